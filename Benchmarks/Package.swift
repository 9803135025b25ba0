// swift-tools-version: 6.1
import PackageDescription

// Benchmarks live in their own package so that `make test` in the root package never
// resolves or builds the benchmark harness. Run them with `make bench` from the root, or
// `swift package --allow-writing-to-package-directory benchmark` here.
let package = Package(
    name: "MarginalBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "Marginal", path: ".."),
        // Only the malloc-interposer trait: the default traits also enable the Linux
        // Swift 6.3 ARC runtime interposer, a package this machine's mirror does not hold.
        .package(url: "https://github.com/ordo-one/benchmark.git", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "MarginalBenchmarks",
            dependencies: [
                .product(name: "Marginal", package: "Marginal"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "MarginalBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        // One ALADYN epoch, timed beside PyTorch by peers/run_aladyn.sh (issue 14).
        .executableTarget(
            name: "AladynEpoch",
            dependencies: [.product(name: "Marginal", package: "Marginal")],
            path: "AladynEpoch"
        ),
        // The course-evaluation experiment (Lai, Domke & Sheldon 2024): peers/course_evaluation.sh.
        .executableTarget(
            name: "CourseEvaluation",
            dependencies: [.product(name: "Marginal", package: "Marginal")],
            path: "CourseEvaluation"
        ),
    ]
)
