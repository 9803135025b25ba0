import Foundation
import Marginal

/// Restarts the process with `OPENBLAS_CORETYPE` set when OpenBLAS fell back to a generic kernel
/// on a CPU that supports a faster one (see ``BLASKernel``). Runs before any numerical work; a
/// user who sets `OPENBLAS_CORETYPE` themselves is left alone.
func selectBLASKernel() {
    let environment = ProcessInfo.processInfo.environment
    guard environment["OPENBLAS_CORETYPE"] == nil, let core = BLASKernel.recommendedCoreType() else { return }
    setenv("OPENBLAS_CORETYPE", core, 1)
    let arguments = CommandLine.arguments
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
    argv.append(nil)
    execv("/proc/self/exe", &argv)
    // execv returns only on failure: carry on with the generic kernel.
    for pointer in argv { free(pointer) }
}
