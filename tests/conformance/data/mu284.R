# A two-stage sample of the MU284 population of Sarndal, Swensson & Wretman
# (1992), Model Assisted Survey Sampling, Appendix B (data(MU284) of the R
# package 'sampling' 2.9, Debian r-cran-sampling), estimated with R survey
# 4.1.1: 10 of the 50 clusters (CL) by simple random sampling, then 3
# municipalities in each (all of a smaller cluster), fpc at both stages.
# Run here: Rscript mu284.R > mu284.Rout; writes mu284_two_stage.csv.
library(sampling)
library(survey)
data(MU284)
set.seed(284)
sizes <- table(MU284$CL)
clusters <- sort(sample(as.integer(names(sizes)), 10))
rows <- unlist(lapply(clusters, function(cl) {
  members <- which(MU284$CL == cl)
  if (length(members) <= 3) members else sort(sample(members, 3))
}))
s <- MU284[rows, c("LABEL", "CL", "REG", "P85", "RMT85", "ME84")]
s$N1 <- length(sizes)
s$N2 <- as.integer(sizes[as.character(s$CL)])
write.csv(s, "mu284_two_stage.csv", row.names = FALSE)
d <- svydesign(id = ~CL + LABEL, fpc = ~N1 + N2, data = s)
cat("survey", as.character(packageVersion("survey")), "sampling", as.character(packageVersion("sampling")), "\n")
cat("population total RMT85", sum(MU284$RMT85), "\n")
show <- function(label, est) cat(label, "| estimate se |", format(c(coef(est), SE(est)), digits = 15), "\n")
show("total RMT85", svytotal(~RMT85, d))
show("total ME84", svytotal(~ME84, d))
show("mean P85", svymean(~P85, d))
show("ratio RMT85/P85", svyratio(~RMT85, ~P85, d))
cat("degf", degf(d), "\n")
