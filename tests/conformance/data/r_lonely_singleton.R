# The data frame of R survey's tests/lonely.psu.R ("checks for `svytotal()`"),
# cran/survey on GitHub.  The published targets are asserted there with
# stopifnot(all.equal(...)): 126625 (remove, certainty) and 127579.8 (adjust,
# survey >= 4.4, centring at the mean of all PSU totals).
library(survey)
df_w_singleton <- read.csv("r_lonely_singleton.csv")
design_w_singleton <- svydesign(
  data = df_w_singleton, ids = ~PSU, strata = ~Stratum, weights = ~Design_Weight
)
for (rule in c("remove", "certainty", "adjust")) {
  options(survey.lonely.psu = rule)
  print(c(rule, as.numeric(vcov(svytotal(~Age, design_w_singleton)))))
}
