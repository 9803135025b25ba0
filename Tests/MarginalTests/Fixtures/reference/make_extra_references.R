## make_extra_references.R -- provenance of the extra lme4 reference fits.
##
## Writes, relative to the repository root:
##   Examples/{cake,Machines,Orthodont,crossed_slopes,three_slopes}.csv   (the data)
##   Tests/MarginalTests/Fixtures/schema-extra.json                       (columns, factor level orders)
##   Tests/MarginalTests/Fixtures/reference/<model>_{ml,reml}.json         (lme4 fits)
##
## Run from the repository root, single-threaded BLAS so the numbers are reproducible:
##   OPENBLAS_NUM_THREADS=1 Rscript Tests/MarginalTests/Fixtures/reference/make_extra_references.R
##
## Written with R 4.2.2, lme4 1.1-31, nlme 3.1-162, jsonlite 1.8.4 (see "software" in each JSON).
## The JSON field names are those of the shared references (data/reference/*.json), without the
## timing fields, so one loader reads both. Every model is fitted to the data *read back from the
## CSV written here* (with the factor levels of the schema), so the references describe exactly the
## bundled files.

suppressPackageStartupMessages({
  library(lme4)
  library(nlme)      # Machines, Orthodont
  library(jsonlite)
})

## The shared code, from this script's folder: checks OPENBLAS_NUM_THREADS=1 and the working
## folder, and sets examples_dir and fixtures_dir.
script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(if (length(script)) dirname(script) else "Tests/MarginalTests/Fixtures/reference",
                 "reference_json.R"))

reference_dir <- file.path(fixtures_dir, "reference")

## ---------------------------------------------------------------------------------------------
## Level orders
## ---------------------------------------------------------------------------------------------

## Marginal's default level order: numeric when every label parses as a number, otherwise
## lexicographic by Unicode scalar values (R's method = "radix" sorts in the C locale, i.e. by
## code points, which is the same for the ASCII labels used here).
marginal_default_order <- function(labels) {
  u <- unique(as.character(labels))
  num <- suppressWarnings(as.numeric(u))
  if (all(!is.na(num))) u[order(num)] else sort(u, method = "radix")
}

## ---------------------------------------------------------------------------------------------
## Datasets: each is a data frame plus a schema entry (column types and factor levels in the
## order R uses). Factor columns are written as quoted strings.
## ---------------------------------------------------------------------------------------------

datasets <- list()

## 1. cake (lme4): breaking angle of chocolate cakes; 3 recipes x 15 replicates x 6 temperatures.
##    The ordered factor `temperature` is dropped: as an ordered factor R would code it with
##    polynomial contrasts. Models use the numeric `temp` instead.
cake_df <- data.frame(
  replicate = as.character(cake$replicate),
  recipe    = as.character(cake$recipe),
  temp      = cake$temp,
  angle     = cake$angle,
  stringsAsFactors = FALSE)
datasets$cake <- list(
  data = cake_df,
  source = "lme4::cake (Bates et al. 2015; data from Cook 1938)",
  levels = list(replicate = levels(cake$replicate), recipe = levels(cake$recipe)),
  grouping_levels = list(replicate = 15L, recipe = 3L, "recipe:replicate" = 45L),
  note = paste(
    "Breaking angle of chocolate cakes: 3 recipes x 15 replicates x 6 baking temperatures.",
    "The ordered factor `temperature` of lme4::cake is omitted (R would give it polynomial",
    "contrasts); `temp` is the same temperature as a number. Replicates are numbered within",
    "recipe, so the grouping factor of a replicate is recipe:replicate (45 levels; R orders",
    "them A:1, A:2, ..., A:15, B:1, ...: first factor slowest, each in its level order, not",
    "lexicographic on the joined label).",
    "All level orders equal Marginal's default order."))

## 2. Machines (nlme): productivity scores of 6 workers on 3 machine types, 3 repeats each.
##    nlme stores Worker as an *ordered* factor with levels ordered by mean score
##    (6 < 2 < 4 < 1 < 3 < 5); here it is an unordered factor with levels 1..6. Worker only
##    appears as a grouping factor, so the fit is unchanged; only the order of conditional
##    modes follows the new levels.
machines_df <- data.frame(
  Worker  = as.character(Machines$Worker),
  Machine = as.character(Machines$Machine),
  score   = Machines$score,
  stringsAsFactors = FALSE)
datasets$Machines <- list(
  data = machines_df,
  source = "nlme::Machines (Pinheiro & Bates 2000; data from Milliken & Johnson 1992)",
  levels = list(Worker = as.character(1:6), Machine = levels(Machines$Machine)),
  grouping_levels = list(Worker = 6L, Machine = 3L, "Worker:Machine" = 18L, "Machine:Worker" = 18L),
  note = paste(
    "Productivity score of 6 workers on 3 machine types, 3 repeats each (balanced).",
    "nlme stores Worker as an ordered factor (levels 6 < 2 < 4 < 1 < 3 < 5, by mean score);",
    "here Worker is an unordered factor with levels 1..6, as factor(as.character(Worker))",
    "gives. All level orders equal Marginal's default order. Interaction levels: R's",
    "Worker:Machine runs 1:A, 1:B, 1:C, 2:A, ...; lme4's expansion of Worker/Machine builds",
    "Machine:Worker, running A:1, ..., A:6, B:1, ... (first factor slowest in both)."))

## 3. Orthodont (nlme): distance (mm) pituitary -> pterygomaxillary fissure, 27 children at
##    ages 8, 10, 12, 14. nlme stores Subject as an ordered factor (by mean distance within sex);
##    here Subject is an unordered factor with levels sorted as factor(as.character(Subject))
##    sorts them (F01..F11, M01..M16). Sex keeps nlme's level order Male, Female, so the
##    treatment contrast is SexFemale (Male is the reference level) as in Pinheiro & Bates.
orthodont_df <- data.frame(
  distance = Orthodont$distance,
  age      = Orthodont$age,
  Subject  = as.character(Orthodont$Subject),
  Sex      = as.character(Orthodont$Sex),
  stringsAsFactors = FALSE)
datasets$Orthodont <- list(
  data = orthodont_df,
  source = "nlme::Orthodont (Pinheiro & Bates 2000; data from Potthoff & Roy 1964)",
  levels = list(Subject = levels(factor(as.character(Orthodont$Subject))),
                Sex = levels(Orthodont$Sex)),
  grouping_levels = list(Subject = 27L),
  note = paste(
    "Orthodontic distance (mm) of 16 boys and 11 girls at ages 8, 10, 12, 14.",
    "nlme stores Subject as an ordered factor; here it is an unordered factor with the levels",
    "of factor(as.character(Subject)) in R (C collation): F01..F11, M01..M16, which is also",
    "Marginal's default order. Sex keeps nlme's level order [Male, Female], which is NOT",
    "Marginal's default (lexicographic would put Female first): Male is the reference level",
    "and the fixed effect is SexFemale. Apply the levels recorded here."))

## 4. crossed_slopes (synthetic): crossed grouping factors g1 (40 levels, 10 rows each) and
##    g2 (12 levels, assigned at random), numeric x, 3-level factor f.
##    Truth: y = 5 + 1.5 x + 0.7 [f=b] - 0.4 [f=c] + b1[g1] + c1[g1] x + b2[g2] + e,
##    (b1, c1) ~ N(0, sd = (1.2, 0.6), corr 0.4), b2 ~ N(0, 0.8^2), e ~ N(0, 1).
set.seed(20261121)
n_g1 <- 40; n_g2 <- 12; n_cs <- 400
g1_labels <- sprintf("A%02d", seq_len(n_g1))
g2_labels <- sprintf("B%02d", seq_len(n_g2))
g1_index <- rep(seq_len(n_g1), each = n_cs / n_g1)
g2_index <- sample(n_g2, n_cs, replace = TRUE)
x  <- round(rnorm(n_cs), 3)
f  <- sample(c("a", "b", "c"), n_cs, replace = TRUE)
sd_g1 <- c(1.2, 0.6); corr_g1 <- 0.4
chol_g1 <- chol(diag(sd_g1) %*% matrix(c(1, corr_g1, corr_g1, 1), 2) %*% diag(sd_g1))
u_g1 <- matrix(rnorm(2 * n_g1), n_g1) %*% chol_g1
u_g2 <- rnorm(n_g2, sd = 0.8)
y <- 5 + 1.5 * x + 0.7 * (f == "b") - 0.4 * (f == "c") +
  u_g1[g1_index, 1] + u_g1[g1_index, 2] * x + u_g2[g2_index] + rnorm(n_cs)
crossed_df <- data.frame(y = round(y, 4), x = x, f = f,
                         g1 = g1_labels[g1_index], g2 = g2_labels[g2_index],
                         stringsAsFactors = FALSE)
datasets$crossed_slopes <- list(
  data = crossed_df,
  source = "synthetic, generated by make_extra_references.R (set.seed(20261121), R 4.2.2 default RNG)",
  levels = list(f = c("a", "b", "c"), g1 = g1_labels, g2 = g2_labels),
  grouping_levels = list(g1 = 40L, g2 = 12L),
  note = paste(
    "Synthetic crossed design: g1 (40 levels, 10 rows each) crossed with g2 (12 levels,",
    "assigned at random); numeric x, 3-level factor f. Truth: y = 5 + 1.5 x + 0.7 [f=b]",
    "- 0.4 [f=c] + b1[g1] + c1[g1] x + b2[g2] + e with (b1, c1) ~ N(0, sd (1.2, 0.6),",
    "corr 0.4), b2 ~ N(0, 0.8^2), e ~ N(0, 1); y rounded to 4 and x to 3 decimals.",
    "All level orders equal Marginal's default order."))

## 5. three_slopes (synthetic): one grouping factor g (30 levels, 15 rows each) with three
##    correlated random effects per level (intercept, x1, x2).
##    Truth: y = 3 + 1.0 x1 - 0.5 x2 + b0[g] + b1[g] x1 + b2[g] x2 + e,
##    (b0, b1, b2) ~ N(0, sd = (2, 1, 0.7), corr (0.3, -0.2, 0.1)), e ~ N(0, 1).
set.seed(20261122)
n_g <- 30; n_ts <- 450
g_labels <- sprintf("G%02d", seq_len(n_g))
g_index <- rep(seq_len(n_g), each = n_ts / n_g)
x1 <- round(rnorm(n_ts), 3)
x2 <- round(runif(n_ts, 0, 2), 3)
sd_g <- c(2, 1, 0.7)
corr_g <- matrix(c( 1.0, 0.3, -0.2,
                    0.3, 1.0,  0.1,
                   -0.2, 0.1,  1.0), 3)
u_g <- matrix(rnorm(3 * n_g), n_g) %*% chol(diag(sd_g) %*% corr_g %*% diag(sd_g))
y3 <- 3 + 1.0 * x1 - 0.5 * x2 +
  u_g[g_index, 1] + u_g[g_index, 2] * x1 + u_g[g_index, 3] * x2 + rnorm(n_ts)
three_df <- data.frame(y = round(y3, 4), x1 = x1, x2 = x2, g = g_labels[g_index],
                       stringsAsFactors = FALSE)
datasets$three_slopes <- list(
  data = three_df,
  source = "synthetic, generated by make_extra_references.R (set.seed(20261122), R 4.2.2 default RNG)",
  levels = list(g = g_labels),
  grouping_levels = list(g = 30L),
  note = paste(
    "Synthetic: g (30 levels, 15 rows each), numeric x1 ~ N(0,1) and x2 ~ U(0,2), three",
    "correlated random effects per level. Truth: y = 3 + x1 - 0.5 x2 + b0[g] + b1[g] x1 +",
    "b2[g] x2 + e with (b0, b1, b2) ~ N(0, sd (2, 1, 0.7), corr(b0,b1) 0.3, corr(b0,b2) -0.2,",
    "corr(b1,b2) 0.1), e ~ N(0, 1); y rounded to 4 and x1, x2 to 3 decimals.",
    "All level orders equal Marginal's default order."))

## ---------------------------------------------------------------------------------------------
## Write the CSVs and the schema; read the CSVs back as the data the models are fitted to.
## ---------------------------------------------------------------------------------------------

schema <- list()
fit_data <- list()
for (name in names(datasets)) {
  ds <- datasets[[name]]
  written <- write_dataset(ds, file.path(examples_dir, paste0(name, ".csv")), function(col, lev) {
    if (!identical(marginal_default_order(lev), lev))
      message(sprintf("%s$%s: R level order differs from Marginal's default order: %s",
                      name, col, paste(lev, collapse = " < ")))
  })
  fit_data[[name]] <- written$data
  schema[[name]] <- written$schema
}
writeLines(toJSON(schema, auto_unbox = TRUE, pretty = TRUE, digits = NA),
           file.path(fixtures_dir, "schema-extra.json"))

## ---------------------------------------------------------------------------------------------
## Fitting and serialising one model
## ---------------------------------------------------------------------------------------------

software <- software_info("nlme", RNG = TRUE)

fit_reference <- function(model, dataset, formula, REML, note = NULL, opt_ctrl = list()) {
  data <- fit_data[[dataset]]
  recorded <- record_conditions(
    lmer(as.formula(formula), data = data, REML = REML,
         control = lmerControl(optimizer = "nloptwrap", optCtrl = opt_ctrl)))
  fit <- recorded$value
  ref <- reference_fields(fit, model, dataset, file.path(examples_dir, paste0(dataset, ".csv")),
    formula, REML, note, recorded = recorded, software = software,
    ## Extra field (not in the shared references): nloptwrap controls other than lme4's defaults.
    optimizer_control = if (length(opt_ctrl)) opt_ctrl else NULL)
  write_reference(ref, reference_dir)
  cat(sprintf("%-28s %-4s criterion %.10f  feval %3d  singular %-5s  warnings %d  messages %d\n",
              ref$name, if (REML) "REML" else "ML", ref$criterion, ref$feval, ref$singular,
              length(recorded$warnings), length(recorded$messages)))
  invisible(fit)
}

## Is a fit at the optimum? Refit with very tight optimizer tolerances and return the largest
## relative difference of theta, sigma, the random-effect SDs and the fixed effects, and the
## excess of the criterion (the shared test tolerances are 1e-6 relative on the criterion and
## 1e-4 relative on the rest).
distance_to_tight_refit <- function(fit, name) {
  tight <- suppressWarnings(suppressMessages(
    update(fit, control = lmerControl(optimizer = "nloptwrap", optCtrl = tight_control))))
  sds <- function(f) unlist(lapply(VarCorr(f), function(m) attr(m, "stddev")))
  rel <- function(a, b) max(abs(a - b) / pmax(abs(b), 1e-8))
  d <- c(theta = rel(getME(fit, "theta"), getME(tight, "theta")), sigma = rel(sigma(fit), sigma(tight)),
         sd = rel(sds(fit), sds(tight)), fixef = rel(fixef(fit), fixef(tight)))
  cat(sprintf("  %-28s tight-refit criterion %.10f (this - tight = %.2e); max rel diff: %s\n",
              name, crit_of(tight), crit_of(fit) - crit_of(tight),
              paste(sprintf("%s %.1e", names(d), d), collapse = ", ")))
  list(max_rel = max(d), excess = crit_of(fit) - crit_of(tight))
}

## ---------------------------------------------------------------------------------------------
## The models
## ---------------------------------------------------------------------------------------------

models <- list(
  list(model = "cake", dataset = "cake",
       formula = "angle ~ recipe * temp + (1 | recipe:replicate)",
       note = paste(
         "temp is numeric (the ordered factor temperature is not used); recipe:replicate has 45",
         "levels, ordered A:1, A:2, ..., A:15, B:1, ... (recipe slowest, replicate in level order)")),
  list(model = "machines", dataset = "Machines",
       formula = "score ~ Machine + (1 | Worker) + (1 | Worker:Machine)", note = NULL),
  list(model = "machines_nested", dataset = "Machines",
       formula = "score ~ Machine + (1 | Worker/Machine)",
       note = paste(
         "(1 | Worker/Machine) expands to (1 | Worker) + (1 | Machine:Worker): same fit as machines,",
         "but lme4 names the nested factor Machine:Worker and orders its levels A:1, A:2, ..., A:6,",
         "B:1, ... (first-named factor slowest), whereas (1 | Worker:Machine) gives 1:A, 1:B, 1:C, 2:A, ...")),
  list(model = "orthodont", dataset = "Orthodont",
       formula = "distance ~ age * Sex + (1 + age | Subject)",
       note = "Sex levels [Male, Female] (nlme's order): Male is the reference level"),
  list(model = "crossed_slopes", dataset = "crossed_slopes",
       formula = "y ~ 1 + x + f + (1 + x | g1) + (1 | g2)", note = NULL),
  list(model = "three_slopes", dataset = "three_slopes",
       formula = "y ~ 1 + x1 + x2 + (1 + x1 + x2 | g)",
       note = "three correlated random effects per level (6 theta parameters)")
)

## Rule: each model is fitted with lme4's default nloptwrap controls. If that fit is not at the
## optimum to well within the test tolerances (some theta, sigma, SD or fixed effect more than
## 1e-5 relative from a tight-tolerance refit, or the criterion more than 1e-7 above it), the
## reference <model>_<ml|reml> is the tight-tolerance fit, and the default-control fit is kept
## as <model>_defaultctrl_<ml|reml> to record what lme4 returns out of the box (feval, warnings).
join_notes <- function(...) { parts <- c(...); if (length(parts)) paste(parts, collapse = " | ") else NULL }

for (m in models) for (reml in c(FALSE, TRUE)) {
  suffix <- if (reml) "_reml" else "_ml"
  fit <- fit_reference(m$model, m$dataset, m$formula, REML = reml, note = m$note)
  d <- distance_to_tight_refit(fit, paste0(m$model, suffix))
  if (d$max_rel > 1e-5 || d$excess > 1e-7 * abs(deviance(fit, REML = reml))) {
    file.remove(file.path(reference_dir, paste0(m$model, suffix, ".json")))
    fit_reference(paste0(m$model, "_defaultctrl"), m$dataset, m$formula, REML = reml,
      note = join_notes(m$note, sprintf(paste(
        "lme4's default nloptwrap controls: this fit is not at the optimum (criterion %.2e above it,",
        "max rel diff of theta/sigma/SD/fixef %.1e); use %s%s for reference values"),
        d$excess, d$max_rel, m$model, suffix)))
    fit <- fit_reference(m$model, m$dataset, m$formula, REML = reml, opt_ctrl = tight_control,
      note = join_notes(m$note, paste(
        "fitted with tight nloptwrap tolerances (optimizer_control): lme4's default controls stop",
        sprintf("early here, see %s_defaultctrl%s", m$model, suffix))))
    distance_to_tight_refit(fit, paste0(m$model, suffix))
  }
}

## ---------------------------------------------------------------------------------------------
## Independent cross-check: nlme::lme (a different implementation) on the nested designs.
## Prints -2 logLik of lme next to the stored criterion; they should agree to ~1e-6 or better.
## ---------------------------------------------------------------------------------------------

stored_criterion <- function(name)
  fromJSON(file.path(reference_dir, paste0(name, ".json")))$criterion
lme_control <- lmeControl(msMaxIter = 1000, maxIter = 1000, tolerance = 1e-10,
                          msTol = 1e-12, niterEM = 100)
cross_checks <- list(
  cake = function(method) lme(angle ~ recipe * temp, random = ~ 1 | rr,
    data = transform(fit_data$cake, rr = interaction(recipe, replicate)),
    method = method, control = lme_control),
  machines = function(method) lme(score ~ Machine, random = ~ 1 | Worker/Machine,
    data = fit_data$Machines, method = method, control = lme_control),
  orthodont = function(method) lme(distance ~ age * Sex, random = ~ 1 + age | Subject,
    data = fit_data$Orthodont, method = method, control = lme_control),
  three_slopes = function(method) lme(y ~ 1 + x1 + x2, random = ~ 1 + x1 + x2 | g,
    data = fit_data$three_slopes, method = method, control = lme_control))
cat("\nCross-check against nlme::lme (-2 logLik):\n")
for (model in names(cross_checks)) for (method in c("ML", "REML")) {
  name <- paste0(model, if (method == "ML") "_ml" else "_reml")
  lme_fit <- cross_checks[[model]](method)
  cat(sprintf("  %-20s lmer %.10f  lme %.10f  difference %.2e\n", name, stored_criterion(name),
              -2 * as.numeric(logLik(lme_fit)), stored_criterion(name) + 2 * as.numeric(logLik(lme_fit))))
}
