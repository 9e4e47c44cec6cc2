// swift-tools-version:6.0
// hls4swift: train jet-tagging MLPs, emit Vivado/Vitis HLS firmware, and simulate it bit-exactly.
// The targets follow the data flow; every dependency points "downstream" (see docs in README).
import PackageDescription

let optimize: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))]

let package = Package(
    name: "hls4swift",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pipeline", targets: ["PipelineCLI"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
    ],
    targets: [
        // System libraries (Debian: libopenblas-dev, libhdf5-dev).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5",
                       providers: [.apt(["libhdf5-dev"]), .brew(["hdf5"])]),

        // Shared vocabulary: user-facing errors, atomic writes, NPY files.
        .target(name: "Support", dependencies: [.product(name: "Yams", package: "Yams")]),
        // ap_fixed / ap_ufixed value semantics and precision strings.
        .target(name: "FixedPoint", dependencies: ["Support"]),
        // A small Swift layer over libhdf5 (files, groups, datasets, attributes, compound rows).
        .target(name: "HDF5", dependencies: ["Support", "CHDF5"]),
        // Dataset readers/writers, preprocessing, synthetic jets.
        .target(name: "Datasets", dependencies: ["Support", "HDF5"]),
        // BLAS-backed trainer: layers, quantizers, pruning, optimizers, metrics.
        .target(name: "Training", dependencies: ["Support", "CBLAS", "FixedPoint"]),
        // The typed, precision-annotated model graph, hls4ml config schema and passes.
        .target(name: "ModelGraph", dependencies: ["Support", "FixedPoint", .product(name: "Yams", package: "Yams")]),
        // Keras HDF5/JSON in and out; Keras/trained models -> ModelGraph.
        .target(name: "ModelIO", dependencies: ["Support", "HDF5", "Training", "ModelGraph"]),
        // Bit-exact batched fixed-point simulator of the firmware.
        .target(name: "Simulation", dependencies: ["Support", "FixedPoint", "ModelGraph"], swiftSettings: optimize),
        // HLS project writer, C++ templates, C-sim runner, estimator, report parser.
        .target(name: "HLS", dependencies: ["Support", "FixedPoint", "ModelGraph"]),
        // YAML pipelines, stages, caching, artifacts and reports.
        .target(name: "Pipeline", dependencies: [
            "Support", "FixedPoint", "Datasets", "Training", "ModelGraph", "ModelIO", "Simulation", "HLS",
            .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The `pipeline` command: argument parsing and printing only.
        .executableTarget(name: "PipelineCLI", dependencies: [
            "Pipeline", "Support", "FixedPoint", "Datasets", "Training", "ModelGraph", "ModelIO", "Simulation", "HLS",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Helpers shared by test targets (tool runner, UserError assertion).
        .target(name: "TestSupport", dependencies: ["Support"], path: "Tests/TestSupport"),
        .testTarget(name: "SupportTests", dependencies: ["Support"]),
        .testTarget(name: "FixedPointTests", dependencies: ["TestSupport", "FixedPoint", "Support"]),
        .testTarget(name: "HDF5Tests", dependencies: ["TestSupport", "HDF5", "Support"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Support", "HDF5"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Support"]),
        .testTarget(name: "ModelGraphTests", dependencies: ["TestSupport", "ModelGraph", "FixedPoint"]),
        .testTarget(name: "ModelIOTests", dependencies: ["TestSupport", "ModelIO", "ModelGraph", "Training", "Support"]),
        .testTarget(name: "SimulationTests", dependencies: ["TestSupport", "Simulation", "ModelIO", "ModelGraph", "FixedPoint", "Support"]),
        .testTarget(name: "HLSTests", dependencies: ["HLS", "Simulation", "ModelIO", "ModelGraph", "FixedPoint", "Support"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline"]),
    ]
)
