# Satterthwaite degrees of freedom of the fixed effects (SatterthwaiteTests.swift): lmerTest 3.1-3's
# summary() on lme4 1.1-31 fits (R 4.2.2) made with tight optimizer tolerances. At lme4's default
# tolerances θ̂ stops about 1e-8 short of the optimum and ν moves by up to 5e-4 (sleepstudy's
# exact 17 prints as 16.99973, Orthodont's 25 as 25.0113); both are printed. Run from the
# repository's root.
suppressMessages(library(lmerTest))
tight <- lmerControl(optimizer = "nloptwrap", optCtrl = list(xtol_abs = 1e-14, ftol_abs = 1e-14, xtol_rel = 1e-14, maxeval = 1e5))
report <- function(formula, data, REML = TRUE) {
  default <- summary(lmer(formula, data, REML = REML))$coefficients
  s <- summary(lmer(formula, data, REML = REML, control = tight))$coefficients
  cat(deparse(formula), if (REML) "REML" else "ML", "\n")
  cat(" df", sprintf("%.10f", s[, "df"]), "\n")
  cat(" p", sprintf("%.12g", s[, "Pr(>|t|)"]), "\n")
  cat(" df at lme4's default tolerances", sprintf("%.10f", default[, "df"]), "\n")
}
orthodont <- read.csv("Examples/Orthodont.csv")
orthodont$Sex <- factor(orthodont$Sex, levels = c("Male", "Female"))
report(Reaction ~ Days + (Days | Subject), sleepstudy)
report(Reaction ~ Days + (Days | Subject), sleepstudy, REML = FALSE)
report(diameter ~ 1 + (1 | plate) + (1 | sample), Penicillin)
report(strength ~ 1 + (1 | batch/cask), Pastes)
report(distance ~ age * Sex + (1 + age | Subject), orthodont)

# F tests of contrast matrices with Satterthwaite's denominator degrees of freedom
# (lmerTest's contestMD), for SatterthwaiteFTests.
contest_report <- function(label, m, L) {
  r <- contestMD(m, L)
  cat(label, sprintf("F %.10f ndf %d ddf %.10f p %.10g\n", r[["F value"]], as.integer(r[["NumDF"]]), r[["DenDF"]], r[["Pr(>F)"]]))
}
unbalanced <- read.csv("Tests/MarginalTests/Fixtures/reference/inference/sleepstudy_unbalanced.csv")
unbalanced$Subject <- factor(unbalanced$Subject)
mu <- lmer(Reaction ~ 1 + Days + (1 + Days | Subject), unbalanced, control = tight)
contest_report("unbalanced both", mu, diag(2))
contest_report("unbalanced Days", mu, matrix(c(0, 1), nrow = 1))
machines <- read.csv("Examples/Machines.csv", stringsAsFactors = TRUE)
machines$Worker <- factor(machines$Worker)
mm <- lmer(score ~ Machine + (1 | Worker) + (1 | Worker:Machine), machines, control = tight)
contest_report("Machines Machine", mm, cbind(0, diag(2)))
mo <- lmer(distance ~ age * Sex + (1 + age | Subject), orthodont, control = tight)
contest_report("Orthodont Sex and interaction", mo, rbind(c(0, 0, 1, 0), c(0, 0, 0, 1)))
