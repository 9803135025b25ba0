# lme4 1.1-31's confint(method = "profile") for glmer fits made with tight tolerances, for
# GeneralizedProfileIntervalsTests.swift; and confint(method = "Wald") on sleepstudy. Run from the repository's root.
suppressMessages(library(lme4))
options(digits = 12)
tight <- glmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10, maxfun = 1e5), tolPwrss = 1e-12)
show <- function(label, m) {
  ci <- confint(m, method = "profile", devtol = 1e-7)
  cat(label, "deviance", sprintf("%.10f", deviance(m)), "\n")
  for (r in rownames(ci)) cat(sprintf("  %s %.10f %.10f\n", r, ci[r, 1], ci[r, 2]))
}
cbpp <- read.csv("Examples/cbpp.csv"); cbpp$period <- factor(cbpp$period); cbpp$herd <- factor(cbpp$herd)
m1 <- glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), cbpp, binomial, control = tight)
show("cbpp laplace", m1)
m2 <- glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), cbpp, binomial, control = tight, nAGQ = 9)
show("cbpp agq9", m2)
bs <- read.csv("Examples/binary_slopes.csv")
m3 <- glmer(y ~ x + (1 + x | g), bs, binomial, control = tight)
show("binary_slopes laplace", m3)
sleep <- read.csv("Examples/sleepstudy.csv")
m4 <- lmer(Reaction ~ Days + (Days | Subject), sleep)
ci <- confint(m4, method = "Wald")
cat("sleepstudy Wald\n"); for (r in c("(Intercept)", "Days")) cat(sprintf("  %s %.10f %.10f\n", r, ci[r, 1], ci[r, 2]))
