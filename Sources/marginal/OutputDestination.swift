import Foundation

/// Where a command's result goes: standard output, or a file written atomically (to a temporary
/// file in the same directory, then renamed), so a failure never leaves half a file behind.
struct OutputDestination {
    var path: String?

    func write(_ text: String) throws {
        let body = text.hasSuffix("\n") ? text : text + "\n"
        guard let path else {
            FileHandle.standardOutput.write(Data(body.utf8))
            return
        }
        let url = URL(fileURLWithPath: path)
        do {
            try Data(body.utf8).write(to: url, options: .atomic)
        } catch {
            throw CommandError(description: "cannot write '\(path)': \(error.localizedDescription)")
        }
    }
}
