# Writes apiclus1.csv and apiclus1_no413.csv from R survey's data(api)
# (the data of tests/lonely.psu.R, cran/survey), and prints the values of
# tests/lonely.psu.Rout.save with the R installed here, for comparison.
library(survey)
data(api)
keep <- c("cds", "dnum", "snum", "pw", "fpc", "api00", "api99", "enroll", "stype", "sch.wide")
clus1 <- apiclus1[, keep]
clus1$fpc413 <- ifelse(clus1$dnum == 413, 1, 1000)
write.csv(clus1, "apiclus1.csv", row.names = FALSE)
no413 <- subset(clus1, dnum != 413)
no413$ds1 <- 1
no413$ds1[31] <- 0  # ds1 <- ds[-31, ] in lonely.psu.R
write.csv(no413, "apiclus1_no413.csv", row.names = FALSE)

ds <- svydesign(id = ~1, weights = ~pw, strata = ~dnum, data = clus1)
for (rule in c("remove", "certainty", "adjust", "average")) {
  options(survey.lonely.psu = rule)
  print(c(rule, SE(svymean(~api00, ds)), SE(svymean(~api00, as.svrepdesign(ds)))))
}
for (flag in c(FALSE, TRUE)) {
  options(survey.adjust.domain.lonely = flag)
  ds <- svydesign(id = ~1, weights = ~pw, strata = ~dnum, data = no413)
  for (rule in c("remove", "adjust", "average")) {
    options(survey.lonely.psu = rule)
    print(c(flag, rule, SE(svymean(~api00, ds[-31, ])), SE(svytotal(~api00, ds[-31, ]))))
  }
}
