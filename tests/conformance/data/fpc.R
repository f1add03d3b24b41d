# R survey's data(fpc): Stata's own fpc example (source www.stata-press.com/data/r7/fpc.dta),
# whose svymean results R's tests/fpc.Rout.save prints (example(fpc)).  Writes fpc.csv
# (with the sampling fraction nh/Nh as column frac) and prints the same with 15 digits.
library(survey)
data(fpc)
fpc$frac <- fpc$nh / fpc$Nh
write.csv(fpc, "fpc.csv", row.names = FALSE)
cat("survey", as.character(packageVersion("survey")), "\n")
show <- function(label, stat) cat(label, "|", format(c(coef(stat), SE(stat)), digits = 15), "\n")
show("without fpc", svymean(~x, svydesign(weights = ~weight, ids = ~psuid, strata = ~stratid,
                                          data = fpc, nest = TRUE)))
show("fpc Nh", svymean(~x, svydesign(weights = ~weight, ids = ~psuid, strata = ~stratid,
                                     fpc = ~Nh, data = fpc, nest = TRUE)))
show("fpc nh/Nh", svymean(~x, svydesign(weights = ~weight, ids = ~psuid, strata = ~stratid,
                                        fpc = ~I(nh / Nh), data = fpc, nest = TRUE)))
