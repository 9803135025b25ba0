## reference_json.R -- shared by make_extra_references.R and make_weighted_references.R, which
## source it: a dataset written as CSV and read back with its schema entry, and an lme4 fit turned
## into a reference JSON. Needs lme4 and jsonlite loaded.
##
## Sourcing it stops unless BLAS is single-threaded (so the numbers are reproducible) and the
## working folder is the repository root, and sets the folders the scripts write to.

if (Sys.getenv("OPENBLAS_NUM_THREADS") != "1")
  stop("run with OPENBLAS_NUM_THREADS=1", call. = FALSE)
if (!dir.exists("Examples") || !dir.exists("Tests/MarginalTests/Fixtures"))
  stop("run from the repository root", call. = FALSE)

examples_dir  <- "Examples"
fixtures_dir  <- "Tests/MarginalTests/Fixtures"

## ---------------------------------------------------------------------------------------------
## Datasets
## ---------------------------------------------------------------------------------------------

## Writes ds$data to csv_path and reads it back, the columns named in ds$levels as factors with
## those levels, the others checked numeric and equal to what was written. Calls
## on_factor(column, levels) for each factor column. Returns list(data = the data read back,
## schema = its schema entry: source, rows, columns, grouping_levels, note).
write_dataset <- function(ds, csv_path, on_factor = function(col, lev) NULL) {
  write.csv(ds$data, csv_path, row.names = FALSE, quote = TRUE, fileEncoding = "UTF-8")

  back <- read.csv(csv_path, stringsAsFactors = FALSE, colClasses = NA)
  stopifnot(identical(dim(back), dim(ds$data)))
  columns <- list()
  for (col in names(back)) {
    if (col %in% names(ds$levels)) {
      lev <- ds$levels[[col]]
      back[[col]] <- as.character(back[[col]])
      stopifnot(setequal(unique(back[[col]]), lev))
      back[[col]] <- factor(back[[col]], levels = lev)
      on_factor(col, lev)
      columns[[col]] <- list(type = "factor", levels = I(lev))
    } else {
      stopifnot(is.numeric(back[[col]]))
      stopifnot(isTRUE(all.equal(back[[col]], ds$data[[col]], tolerance = 0)))
      columns[[col]] <- list(type = "numeric")
    }
  }
  list(data = back,
       schema = list(source = ds$source, rows = nrow(back), columns = columns,
                     grouping_levels = ds$grouping_levels, note = ds$note))
}

## ---------------------------------------------------------------------------------------------
## Fits
## ---------------------------------------------------------------------------------------------

## The "software" entry of each JSON: R, lme4 and its optimizer packages, `package` (the script's
## own extra one), BLAS/LAPACK, the CPU and, with RNG = TRUE, R's RNG kinds.
software_info <- function(package, RNG = FALSE) {
  blas_tail <- function(path) paste(tail(strsplit(path, "/", fixed = TRUE)[[1]], 2), collapse = "/")
  cpu_name <- sub("^model name\\s*:\\s*", "",
                  grep("^model name", readLines("/proc/cpuinfo"), value = TRUE)[1])
  session <- sessionInfo()
  software <- list(
    R = paste(R.version$major, R.version$minor, sep = "."),
    lme4 = as.character(packageVersion("lme4")),
    Matrix = as.character(packageVersion("Matrix")),
    nloptr = as.character(packageVersion("nloptr")),
    minqa = as.character(packageVersion("minqa")))
  software[[package]] <- as.character(packageVersion(package))
  software <- c(software, list(
    blas = blas_tail(session$BLAS),
    lapack = blas_tail(session$LAPACK),
    OPENBLAS_NUM_THREADS = Sys.getenv("OPENBLAS_NUM_THREADS"),
    cpu = cpu_name,
    ncores = parallel::detectCores()))
  if (RNG) software$RNG <- paste(RNGkind(), collapse = "/")
  software
}

## Tolerances for the check refits (and for a reference where the default stop is too early).
tight_control <- list(xtol_rel = 1e-12, ftol_rel = 1e-14, xtol_abs = 1e-12, ftol_abs = 1e-14,
                      maxeval = 10000)

## The criterion lme4 minimised: the REML criterion or the deviance.
crit_of <- function(f) unname(if (isREML(f)) getME(f, "devcomp")$cmp[["REML"]] else deviance(f))

## Evaluates `expr` (an lmer call) muffling its warnings and messages and recording them:
## list(value, warnings, messages).
record_conditions <- function(expr) {
  warnings_seen <- character(); messages_seen <- character()
  value <- withCallingHandlers(
    expr,
    warning = function(w) { warnings_seen <<- c(warnings_seen, conditionMessage(w))
                            invokeRestart("muffleWarning") },
    message = function(m) { messages_seen <<- c(messages_seen, sub("\n$", "", conditionMessage(m)))
                            invokeRestart("muffleMessage") })
  list(value = value, warnings = warnings_seen, messages = messages_seen)
}

## NA (R's missing / not-applicable) becomes JSON null.
na_to_null <- function(x) if (length(x) == 1 && is.na(x)) NULL else x

## Conditional modes and conditional SDs of the first five levels of each grouping factor.
ranef_first5 <- function(fit) {
  re <- ranef(fit, condVar = TRUE)
  lapply(names(re), function(group) {
    modes <- re[[group]]
    post <- attr(modes, "postVar")
    n_terms <- ncol(modes)
    ## postVar is a k x k x n array for a single term, a list of arrays when the factor has
    ## several terms; in both cases we want sqrt of the per-level diagonal.
    diagonals <- function(a) {            # k x k x n array -> n x k matrix of diagonals
      k <- dim(a)[1]
      t(vapply(seq_len(dim(a)[3]), function(i) a[cbind(seq_len(k), seq_len(k), i)], numeric(k)))
    }
    cond_var <- if (is.list(post)) do.call(cbind, lapply(post, diagonals)) else diagonals(post)
    cond_var <- matrix(cond_var, ncol = n_terms)
    first <- seq_len(min(5, nrow(modes)))
    list(group = group, n_levels = nrow(modes), terms = I(names(modes)),
         levels = I(rownames(modes)[first]),
         modes = unname(as.matrix(modes)[first, , drop = FALSE]),
         cond_sd = sqrt(cond_var[first, , drop = FALSE]))
  })
}

## What the reference takes from a fit's current state, read at once (before anything, such as a
## devfun call, can change that state).
fit_summary <- function(fit) {
  dc <- getME(fit, "devcomp")
  lower <- getME(fit, "lower"); lower[is.infinite(lower)] <- NA
  keys <- c("ldL2", "ldRX2", "wrss", "ussq", "pwrss", "drsum", "REML", "dev", "sigmaML", "sigmaREML")
  cmp <- lapply(as.list(dc$cmp), na_to_null)
  list(dc = dc, coefs = coef(summary(fit)), vc = VarCorr(fit), cnms = getME(fit, "cnms"),
       theta = getME(fit, "theta"), lower = lower, ll = logLik(fit),
       cmp = setNames(cmp[keys], keys), criterion = crit_of(fit))
}

## The reference of `fit` as a list in the field order of the JSON, named
## <model>_{ml,reml}. Besides the common fields: `call_fields` go after `formula`,
## `criterion_fields` after `conditional_deviance_glmm`, `check_fields` after `ranef_first5`;
## `recorded` is record_conditions()'s result; `s` and `ranef` default to the fit's state now.
reference_fields <- function(fit, model, dataset, data_csv, formula, REML, note, optimizer_control,
                             recorded, software, call_fields = list(), criterion_fields = list(),
                             check_fields = list(), s = fit_summary(fit), ranef = ranef_first5(fit)) {
  dc <- s$dc; coefs <- s$coefs; vc <- s$vc; cnms <- s$cnms
  c(list(name = paste0(model, if (REML) "_reml" else "_ml"), model = model, dataset = dataset,
         data_csv = data_csv, fitter = "lme4::lmer", formula = formula),
    call_fields,
    list(
      family = "gaussian", link = "identity", REML = REML, nAGQ = NULL, note = note,
      nobs = nobs(fit),
      dims = list(n = dc$dims[["n"]], p = dc$dims[["p"]], q = dc$dims[["q"]],
                  n_theta = dc$dims[["nth"]]),
      ngrps = as.list(ngrps(fit)),
      fixef = lapply(seq_len(nrow(coefs)), function(i)
        list(term = rownames(coefs)[i], estimate = coefs[i, "Estimate"],
             std_error = coefs[i, "Std. Error"], statistic = coefs[i, "t value"])),
      fixef_vcov = unname(as.matrix(vcov(fit))),
      varcomp = lapply(seq_along(vc), function(i) {
        m <- vc[[i]]
        list(label = names(vc)[i], group = names(cnms)[i], terms = I(cnms[[i]]),
             sd = I(unname(attr(m, "stddev"))),
             corr = unname(as.matrix(attr(m, "correlation"))),
             cov = unname(matrix(as.numeric(m), nrow(m))))
      }),
      residual_sd = sigma(fit),
      theta = I(unname(s$theta)), theta_names = I(names(s$theta)), theta_lower = I(unname(s$lower)),
      logLik = as.numeric(s$ll), logLik_df = attr(s$ll, "df"),
      AIC = AIC(fit), BIC = BIC(fit),
      criterion_name = if (REML) "REML criterion (-2 * REML log-likelihood)" else "deviance = -2 * logLik",
      criterion = s$criterion,
      REML_criterion = if (REML) s$criterion else NULL,
      ## For a REML fit: the ML deviance evaluated at the REML estimate of theta.
      deviance_ML = deviance(fit, REML = FALSE),
      conditional_deviance_glmm = NULL),
    criterion_fields,
    list(
      devcomp = s$cmp,
      optimizer = fit@optinfo$optimizer,
      optimizer_control = optimizer_control,
      feval = fit@optinfo$feval,
      optimizer_message = fit@optinfo$message,
      conv_lme4_messages = I(as.character(unlist(fit@optinfo$conv$lme4$messages))),
      fit_warnings = I(recorded$warnings),
      fit_messages = I(recorded$messages),
      singular = isSingular(fit),
      ranef_first5 = ranef),
    check_fields,
    list(software = software, date = format(Sys.Date())))
}

## Writes a reference list to <dir>/<name>.json.
write_reference <- function(ref, dir) {
  writeLines(toJSON(ref, auto_unbox = TRUE, pretty = TRUE, digits = NA, null = "null", na = "null"),
             file.path(dir, paste0(ref$name, ".json")))
}
