# car 3.1-1's Anova(m, type = 3) on glmer fits (Wald χ² tests of each term's coefficients, the
# intercept included), with PIRLS converged tightly, for WaldTermTestTests.swift. Run from the
# repository's root.
suppressMessages({library(lme4); library(car)})
options(digits = 12)
tight <- glmerControl(tolPwrss = 1e-12, optCtrl = list(maxfun = 1e5))
show <- function(label, m) {
  a <- Anova(m, type = 3)
  cat(label, attr(a, "heading"), "\n")
  for (term in rownames(a)) cat(sprintf("  %s Chisq %.10f Df %d p %.10g\n", term, a[term, "Chisq"], as.integer(a[term, "Df"]), a[term, "Pr(>Chisq)"]))
}
cbpp <- read.csv("Examples/cbpp.csv"); cbpp$period <- factor(cbpp$period)
show("cbpp", glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), cbpp, binomial, control = tight))
sal <- read.csv("Examples/Salamanders.csv")
show("salamanders poisson", glmer(count ~ mined + spp + (1 | site), sal, poisson, control = tight))
