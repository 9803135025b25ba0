import CLapack
import Foundation

/// Which OpenBLAS compute kernel is in use, and which one this CPU should use.
///
/// OpenBLAS picks its kernels when the library loads, from the CPU's model number. Debian 12's
/// OpenBLAS 0.3.21 does not know the model numbers some virtual machines report (a generic
/// "Intel Xeon Processor" with AVX-512) and falls back to its `Prescott` (SSE3) kernels, which
/// run dense factorizations 2–3 times slower. The kernel can only be chosen before the library
/// loads, through the `OPENBLAS_CORETYPE` environment variable; the `marginal` tool does that for
/// itself (``recommendedCoreType()`` plus a re-exec), and library users can set the variable.
public enum BLASKernel {
    /// The name of the kernel OpenBLAS chose, e.g. `Haswell`, `SkylakeX`, `Prescott`.
    public static var current: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// A better kernel for this CPU when OpenBLAS fell back to a generic one, read from the CPU
    /// flags in /proc/cpuinfo: `SkylakeX` with AVX-512 (F, BW, VL), `Haswell` with AVX2 and FMA.
    public static func recommendedCoreType() -> String? {
        let generic: Set<String> = ["prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine", "northwood", "banias"]
        guard generic.contains(current.lowercased()) else { return nil }
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return nil }
        let flags = Set(line.split(separator: " ").map(String.init))
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }
}
