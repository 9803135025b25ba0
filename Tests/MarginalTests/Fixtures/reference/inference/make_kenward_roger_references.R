# Kenward–Roger F tests (pbkrtest 0.5.2's KRmodcomp) on REML fits made with tight optimizer
# tolerances, for KenwardRogerTests.swift. Run from the repository's root.
suppressMessages({library(lme4); library(pbkrtest)})
options(digits = 12)
tight <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 2e-3, rhoend = 1e-12, maxfun = 1e5))
kr <- function(label, m, L) {
  r <- KRmodcomp(m, L)
  cat(label, sprintf("F %.10f ndf %d ddf %.10f scaling %.10f p %.10g\n",
                     r$test["Ftest", "stat"], as.integer(r$test["Ftest", "ndf"]), r$test["Ftest", "ddf"], r$test["Ftest", "F.scaling"], r$test["Ftest", "p.value"]))
  cat(label, "adjusted vcov diagonal", sprintf("%.10f", diag(as.matrix(vcovAdj(m)))), "\n")
}
sleep <- read.csv("Examples/sleepstudy.csv")
m1 <- lmer(Reaction ~ 1 + Days + (1 + Days | Subject), sleep, control = tight)
kr("sleepstudy Days", m1, matrix(c(0, 1), nrow = 1))
kr("sleepstudy both", m1, diag(2))
machines <- read.csv("Examples/Machines.csv", stringsAsFactors = TRUE)
m2 <- lmer(score ~ Machine + (1 | Worker) + (1 | Worker:Machine), machines, control = tight)
kr("Machines Machine", m2, cbind(0, diag(2)))
# Unbalanced: sleepstudy without every seventh row (written next to this script).
unbalanced <- sleep[-seq(1, nrow(sleep), by = 7), ]
write.csv(unbalanced, "Tests/MarginalTests/Fixtures/reference/inference/sleepstudy_unbalanced.csv", row.names = FALSE)
m3 <- lmer(Reaction ~ 1 + Days + (1 + Days | Subject), unbalanced, control = tight)
kr("unbalanced Days", m3, matrix(c(0, 1), nrow = 1))
kr("unbalanced both", m3, diag(2))
m4 <- lmer(Reaction ~ 1 + Days + (1 | Subject), unbalanced, control = tight)
kr("unbalanced intercept-only Days", m4, matrix(c(0, 1), nrow = 1))
# lmerTest's t tests with Kenward–Roger's degrees of freedom and adjusted standard errors.
suppressMessages(library(lmerTest))
m5 <- lmerTest::lmer(Reaction ~ 1 + Days + (1 + Days | Subject), unbalanced, control = tight)
co <- summary(m5, ddf = "Kenward-Roger")$coefficients
cat("lmerTest KR unbalanced se", sprintf("%.10f", co[, "Std. Error"]), "df", sprintf("%.10f", co[, "df"]), "p", sprintf("%.10g", co[, "Pr(>|t|)"]), "\n")
