# Writes apistrat.csv and apiclus2.csv from R survey's data(api), the data of
# tests/api.R (example(api)), cran/survey, whose printed results are
# tests/api.Rout.save; prints the same results with the R installed here.
library(survey)
data(api)
write.csv(apistrat[, c("cds", "stype", "pw", "fpc", "api00", "enroll")], "apistrat.csv",
          row.names = FALSE)
write.csv(apiclus2[, c("cds", "dnum", "snum", "pw", "fpc1", "fpc2", "api00", "enroll")],
          "apiclus2.csv", row.names = FALSE)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
print(svymean(~api00, dstrat)); print(svytotal(~enroll, dstrat, na.rm = TRUE))
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
print(svymean(~api00, dclus1)); print(svytotal(~enroll, dclus1, na.rm = TRUE))
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
print(svymean(~api00, dclus2)); print(svytotal(~enroll, dclus2, na.rm = TRUE))
dclus2wr <- svydesign(id = ~dnum + snum, weights = ~pw, data = apiclus2)
print(svymean(~api00, dclus2wr)); print(svytotal(~enroll, dclus2wr, na.rm = TRUE))
rclus1 <- as.svrepdesign(dclus1)
print(svymean(~api00, rclus1)); print(svytotal(~enroll, rclus1, na.rm = TRUE))
