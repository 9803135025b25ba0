# lmerTest 3.1-3's single-model anova (Type III F tests of the fixed-effect terms, Satterthwaite's
# and Kenward-Roger's denominator degrees of freedom, the latter by pbkrtest 0.5.2) on REML fits
# made with tight optimizer tolerances, for AnovaTableTests.swift. Run from the repository's root.
suppressMessages({library(lmerTest); library(pbkrtest)})
options(digits = 12)
tight <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 2e-3, rhoend = 1e-12, maxfun = 1e5))
show <- function(label, m, ddf) {
  a <- anova(m, ddf = ddf)
  cat(label, ddf, attr(a, "heading"), "\n")
  for (term in rownames(a)) {
    cat(sprintf("  %s SumSq %.10f MeanSq %.10f NumDF %d DenDF %.10f F %.10f p %.10g\n", term,
                a[term, "Sum Sq"], a[term, "Mean Sq"], as.integer(a[term, "NumDF"]), a[term, "DenDF"],
                a[term, "F value"], a[term, "Pr(>F)"]))
  }
}
# 1. sleepstudy: one term (lmerTest then uses its Type I contrasts).
sleep <- read.csv("Examples/sleepstudy.csv", stringsAsFactors = TRUE)
m1 <- lmer(Reaction ~ Days + (Days | Subject), sleep, control = tight)
show("sleepstudy", m1, "Satterthwaite")
show("sleepstudy", m1, "Kenward-Roger")
# 2. cake with temp numeric: a factor, a covariate and their interaction (temp is contained in
#    recipe:temp, recipe is not: the covariate differs).
cake <- read.csv("Examples/cake.csv", stringsAsFactors = TRUE)
cake$replicate <- factor(cake$replicate)
m2 <- lmer(angle ~ recipe * temp + (1 | recipe:replicate), cake, control = tight)
show("cake numeric", m2, "Satterthwaite")
show("cake numeric", m2, "Kenward-Roger")
# 3. cake without every seventh row, temp an ordered factor (polynomial contrasts): two factors and
#    their interaction, unbalanced, so that the Type III contrasts are not those of Type I.
unbalanced <- read.csv("Examples/cake.csv")[-seq(1, 270, by = 7), ]
write.csv(unbalanced, "Tests/MarginalTests/Fixtures/reference/inference/cake_unbalanced.csv", row.names = FALSE)
unbalanced$replicate <- factor(unbalanced$replicate)
unbalanced$recipe <- factor(unbalanced$recipe)
unbalanced$temp <- factor(unbalanced$temp, ordered = TRUE)
m3 <- lmer(angle ~ recipe * temp + (1 | recipe:replicate), unbalanced, control = tight)
show("cake unbalanced ordered", m3, "Satterthwaite")
show("cake unbalanced ordered", m3, "Kenward-Roger")
