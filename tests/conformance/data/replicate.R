# Replicate-weight variances (BRR, Fay, JKn) from R survey's as.svrepdesign on
# data(scd), the example of ?svrepdesign and ?as.svrepdesign (cran/survey): six
# ambulance calls, three strata (ESA) of two PSUs (ambulance).  Writes scd.csv
# and scd_lonely.csv (without the first row: stratum 1 keeps one ambulance);
# run here with Debian's R survey: Rscript replicate.R > replicate.Rout.
# Prints 15 significant digits.
library(survey)
data(scd)
write.csv(scd, "scd.csv", row.names = FALSE)
write.csv(scd[-1, ], "scd_lonely.csv", row.names = FALSE)
cat("survey", as.character(packageVersion("survey")), "\n")
scdnofpc <- svydesign(data = scd, prob = ~1, id = ~ambulance, strata = ~ESA, nest = TRUE)
show <- function(label, stat) {
  cat(label, "| estimate se |", format(c(coef(stat), SE(stat)), digits = 15), "\n")
}
for (type in c("BRR", "Fay", "JKn")) {
  rep <- if (type == "Fay") as.svrepdesign(scdnofpc, type = type, fay.rho = 0.5) else
    as.svrepdesign(scdnofpc, type = type)
  show(paste(type, "mean alive"), svymean(~alive, rep))
  show(paste(type, "total arrests"), svytotal(~arrests, rep))
  show(paste(type, "ratio alive/arrests"), svyratio(~alive, ~arrests, rep))
}
# JKn with a lonely PSU: the first stratum keeps one ambulance
lonely <- svydesign(data = read.csv("scd_lonely.csv"), prob = ~1, id = ~ambulance, strata = ~ESA, nest = TRUE)
for (rule in c("remove", "certainty", "adjust", "average")) {
  options(survey.lonely.psu = rule)
  rep <- tryCatch(as.svrepdesign(lonely, type = "JKn"), error = function(e) conditionMessage(e))
  if (is.character(rep)) cat("JKn lonely", rule, "| error |", rep, "\n") else {
    show(paste("JKn lonely", rule, "total arrests"), svytotal(~arrests, rep))
    show(paste("JKn lonely", rule, "mean alive"), svymean(~alive, rep))
  }
}
