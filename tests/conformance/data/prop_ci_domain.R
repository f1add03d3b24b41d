# Beta (Korn-Graubard) intervals of proportions within domains: the data of
# svy's tests/svy/estimation/test_prop_ci_domain.py (samplics-org/svy, stored
# version 71e5019), built here as that file's _frame() builds it: 2 strata x 4
# PSUs x 10 persons, persons 1-5 of every PSU female.  svy's targets are from R
# survey 4.5; this script writes prop_ci_domain.csv and prints the same values
# with the R installed here (Rscript prop_ci_domain.R > prop_ci_domain.Rout).
library(survey)
mid <- list(c(1, 2, 0, 3), c(2, 1, 4, 1))
flat <- list(c(2, 2, 2, 3), c(2, 3, 2, 2))
rows <- list()
for (h in 1:2) for (k in 1:4) for (j in 0:9) {
  fem <- j < 5
  rows[[length(rows) + 1]] <- data.frame(
    stratum = h, psu = paste0(h, "-", k), female = as.integer(fem),
    wgt = if (h == 1) 10 else 20,
    y_mid = as.integer(if (fem) j < mid[[h]][k] else j < 7),
    y_flat = as.integer(if (fem) j < flat[[h]][k] else j < 6))
}
d <- do.call(rbind, rows)
d$dom <- paste0(d$female, "_", d$stratum)
write.csv(d, "prop_ci_domain.csv", row.names = FALSE)
cat("survey", as.character(packageVersion("survey")), "\n")
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~wgt, data = d, nest = TRUE)
show <- function(label, ci, df) {
  cat(label, "| estimate se ci_low ci_high df |",
      format(c(coef(ci), SE(ci), confint(ci), df), digits = 15), "\n")
}
for (y in c("y_mid", "y_flat")) {
  f <- as.formula(paste0("~I(", y, " == 1)"))
  sub <- subset(des, female == 1)
  show(paste(y, "female"), svyciprop(f, sub, method = "beta"), degf(sub))
  for (h in 1:2) {
    sub <- subset(des, female == 1 & stratum == h)
    show(paste(y, "female stratum", h), svyciprop(f, sub, method = "beta"), degf(sub))
  }
}
