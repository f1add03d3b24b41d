# Proportions with logit and Korn-Graubard (beta) intervals, and a domain
# proportion with the design's df, from R survey's svyciprop (R survey 4.1.1,
# Debian r-cran-survey, run here: Rscript proportions.R > proportions.Rout).
# Writes apistrat_prop.csv from data(api) (apistrat with sch.wide); reads
# apiclus1.csv written by apiclus1.R. Prints 15 significant digits.
library(survey)
data(api)
write.csv(apistrat[, c("cds", "stype", "pw", "fpc", "sch.wide")], "apistrat_prop.csv", row.names = FALSE)
cat("survey", as.character(packageVersion("survey")), "\n")
clus1 <- read.csv("apiclus1.csv")
strat <- read.csv("apistrat_prop.csv")
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = clus1)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat)
show <- function(label, ci, df) {
  cat(label, "| estimate se ci_low ci_high df |",
      format(c(coef(ci), SE(ci), confint(ci), df), digits = 15), "\n")
}
for (method in c("logit", "beta", "likelihood", "mean")) {
  show(paste("clus1", method), svyciprop(~I(sch.wide == "Yes"), dclus1, method = method), degf(dclus1))
  show(paste("strat", method), svyciprop(~I(sch.wide == "Yes"), dstrat, method = method), degf(dstrat))
}
sub <- subset(dclus1, stype == "H")
cat("degf clus1", degf(dclus1), "| degf of subset(stype == 'H')", degf(sub), "\n")
for (method in c("logit", "beta")) {
  # the domain of high schools: with the subset's own df (R's default), then the whole design's
  show(paste("clus1 H subset-df", method), svyciprop(~I(sch.wide == "Yes"), sub, method = method), degf(sub))
  show(paste("clus1 H design-df", method),
       svyciprop(~I(sch.wide == "Yes"), sub, method = method, df = degf(dclus1)), degf(dclus1))
  print(svyby(~I(sch.wide == "Yes"), ~stype, dclus1, svyciprop, method = method, vartype = c("se", "ci"),
              df = degf(dclus1)), digits = 15)
}
