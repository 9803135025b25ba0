/* CHOLMOD numeric refactorization cost without R: L L' = P (A A' + I) P'.
 * Usage: cholmod_bench MODE ORDER REPS PERM.txt A1.mtx [A2.mtx ...]
 *   MODE  super | simplicial | auto  (Common.supernodal; auto = CHOLMOD's flops/nnz(L) heuristic)
 *   ORDER given (lme4's permutation from PERM.txt, 0-based) | default (CHOLMOD's AMD/METIS choice)
 * Ai is either A = Lambda' Z' (q x n, unsymmetric: CHOLMOD forms A A' itself at every factorization,
 * as lme4 does) or the symmetric C = Lambda' Z'Z Lambda (q x q; then L L' = P (C + I) P': the cross
 * product formed once, as Marginal does; only its upper triangle is kept, outside the timing), or
 * the augmented M = [C, AX, Ay; ., X'X - I, X'y; ., ., y'y - 1] (q + p + 1 rows, the X and y rows
 * last in the permutation): its factor is the whole profiled criterion. With REML_N and REML_P in
 * the environment, the REML criterion is computed from L's diagonal (for M) and printed:
 * log det(C + I) + log det(RX'RX) + (n - p)(1 + log(2 pi pwrss / (n - p))), pwrss = L_yy^2.
 * One cholmod_analyze on A1's pattern (all Ai share it), then for each Ai REPS timed
 * cholmod_factorize_p(Ai, beta = 1) on that one symbolic factor; prints median and min ms,
 * nnz(L), flops and log det. Link: -lcholmod (Debian SuiteSparse 5.12, OpenBLAS via libblas.so.3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <suitesparse/cholmod.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
static double cpu(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

static cholmod_sparse *read_matrix(const char *path, cholmod_common *c) {
    FILE *f = fopen(path, "r");
    cholmod_sparse *A = cholmod_read_sparse(f, c);
    fclose(f);
    if (A->stype < 0) {   /* lower triangle from a symmetric Matrix Market file: keep the upper */
        cholmod_sparse *U = cholmod_transpose(A, 1, c);
        cholmod_free_sparse(&A, c);
        A = U;
    }
    return A;
}

/* Sum of log L_jj over the columns j whose original row Perm[j] is in [lo, hi); *last = L_jj of Perm[j] == hi - 1. */
static double logdiag(cholmod_factor *L, int lo, int hi, double *last) {
    double s = 0;
    int *P = L->Perm;
    if (L->is_super) {
        double *x = L->x; int *super = L->super, *pi = L->pi, *px = L->px;
        for (size_t k = 0; k < L->nsuper; k++) {
            int ncols = super[k + 1] - super[k], nrows = pi[k + 1] - pi[k];
            double *xx = x + px[k];
            for (int j = 0; j < ncols; j++) {
                int orig = P[super[k] + j];
                double d = xx[j + j * nrows];
                if (orig >= lo && orig < hi) s += log(d);
                if (orig == hi - 1) *last = d;
            }
        }
    } else {
        double *x = L->x; int *p = L->p;
        for (size_t j = 0; j < L->n; j++) {
            int orig = P[j];
            double d = L->is_ll ? x[p[j]] : sqrt(x[p[j]]);
            if (orig >= lo && orig < hi) s += log(d);
            if (orig == hi - 1) *last = d;
        }
    }
    return s;
}

static double logdet(cholmod_factor *L) {
    double s = 0;
    if (L->is_super) {
        double *x = L->x; int *super = L->super, *pi = L->pi, *px = L->px;
        for (size_t k = 0; k < L->nsuper; k++) {
            int ncols = super[k + 1] - super[k], nrows = pi[k + 1] - pi[k];
            double *xx = x + px[k];
            for (int j = 0; j < ncols; j++) s += log(xx[j + j * nrows]);
        }
    } else {
        double *x = L->x; int *p = L->p;
        for (size_t j = 0; j < L->n; j++) s += log(x[p[j]]);   /* diagonal first in each column */
        if (!L->is_ll) s *= 0.5;
    }
    return 2 * s;
}

int main(int argc, char **argv) {
    if (argc < 6) { fprintf(stderr, "usage: %s super|simplicial|auto given|default REPS PERM.txt A.mtx...\n", argv[0]); return 2; }
    cholmod_common c;
    cholmod_start(&c);
    c.supernodal = !strcmp(argv[1], "super") ? CHOLMOD_SUPERNODAL : !strcmp(argv[1], "simplicial") ? CHOLMOD_SIMPLICIAL : CHOLMOD_AUTO;
    c.final_ll = 1;
    int reps = atoi(argv[3]);
    cholmod_sparse *A = read_matrix(argv[5], &c);
    int *perm = NULL;
    if (!strcmp(argv[2], "given")) {
        perm = malloc(A->nrow * sizeof(int));
        FILE *pf = fopen(argv[4], "r");
        for (size_t i = 0; i < A->nrow; i++) if (fscanf(pf, "%d", &perm[i]) != 1) { fprintf(stderr, "bad perm\n"); return 1; }
        fclose(pf);
        c.nmethods = 1; c.method[0].ordering = CHOLMOD_GIVEN; c.postorder = 1;
    }
    double t0 = now();
    cholmod_factor *L = cholmod_analyze_p(A, perm, NULL, 0, &c);
    double ta = now() - t0;
    printf("{\"mode\": \"%s\", \"order\": \"%s\", \"stype\": %d, \"q\": %zu, \"n\": %zu, \"nnzA\": %zu, \"analyze_ms\": %.3f, \"is_super\": %d, \"nsuper\": %zu, \"ordering_used\": %d,\n",
           argv[1], argv[2], A->stype, A->nrow, A->ncol, cholmod_nnz(A, &c), 1e3 * ta, L->is_super, L->is_super ? L->nsuper : 0, L->ordering);
    double beta[2] = {1, 0};
    for (int k = 5; k < argc; k++) {
        cholmod_sparse *Ak = A;
        if (k > 5) Ak = read_matrix(argv[k], &c);
        cholmod_factorize_p(Ak, beta, NULL, 0, L, &c);   /* warm-up */
        double *t = malloc(reps * sizeof(double));
        double c0 = cpu();
        for (int r = 0; r < reps; r++) { double s = now(); cholmod_factorize_p(Ak, beta, NULL, 0, L, &c); t[r] = now() - s; }
        double cpu_ms = 1e3 * (cpu() - c0) / reps;
        qsort(t, reps, sizeof(double), cmp);
        double nnzL = c.lnz, flops = c.fl;
        const char *en = getenv("REML_N"), *ep = getenv("REML_P");
        if (en && ep && Ak->nrow > (size_t)atoi(ep) + 1) {
            int n = atoi(en), p = atoi(ep), q = (int)Ak->nrow - p - 1;
            double dummy, ly = 0;
            double ldr = 2 * logdiag(L, 0, q, &dummy), ldx = 2 * logdiag(L, q, q + p, &dummy);
            logdiag(L, q + p, q + p + 1, &ly);
            double pwrss = ly * ly, dof = n - p;
            printf(" \"reml_%s\": %.10g,\n", argv[k], ldr + ldx + dof * (1 + log(2 * M_PI * pwrss / dof)));
        }
        printf(" \"%s\": {\"factorize_median_ms\": %.3f, \"min_ms\": %.3f, \"cpu_ms\": %.3f, \"status\": %d, \"nnzL\": %.0f, \"flops\": %.4g, \"logdet\": %.10g}%s\n",
               argv[k], 1e3 * t[reps / 2], 1e3 * t[0], cpu_ms, c.status, nnzL, flops, logdet(L), k + 1 < argc ? "," : "");
        free(t);
        if (Ak != A) cholmod_free_sparse(&Ak, &c);
    }
    printf("}\n");
    cholmod_free_factor(&L, &c);
    cholmod_free_sparse(&A, &c);
    cholmod_finish(&c);
    return 0;
}
