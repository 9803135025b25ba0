// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Marginal",
    products: [
        .library(name: "Marginal", targets: ["Marginal"]),
        .executable(name: "marginal", targets: ["marginal"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CLapack",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .systemLibrary(
            name: "CNLopt",
            pkgConfig: "nlopt",
            providers: [.apt(["libnlopt-dev"])]
        ),
        .target(
            name: "Marginal",
            dependencies: ["CLapack", "CNLopt"]
        ),
        .executableTarget(
            name: "marginal",
            dependencies: [
                "Marginal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "MarginalTests",
            dependencies: [
                "Marginal",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            // Reference fits and their generators, read by path (#filePath), not bundled.
            exclude: ["Fixtures"],
        ),
    ]
)
