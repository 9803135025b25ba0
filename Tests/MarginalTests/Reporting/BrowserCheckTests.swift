import Foundation
import Testing

/// Where headless Chromium is.
enum Chromium {
    /// The first of `chromium`, `chromium-browser` on the PATH.
    static let path: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser"] {
                let candidate = "\(folder)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }()
}

/// Each command's report opened in a real browser: headless Chromium loads the file, takes a
/// 1200 × 3000 screenshot and logs the page's console. The test checks that the page rendered
/// (a screenshot well above the size of a blank page's, the charts in the DOM) and logged no
/// console message (an error in the page would be one). Skipped, with a message saying so,
/// when no `chromium` is on the PATH (`make test` installs Debian's where it can).
@Suite(.enabled(if: Chromium.path != nil, "browser check skipped: no chromium on PATH (apt-get install chromium)"))
struct BrowserCheckTests {
    struct Page {
        var screenshotBytes: Int
        var dom: String
        var consoleMessages: [String]
    }

    /// Loads `file` in headless Chromium: a screenshot, the DOM and the console lines.
    static func load(_ file: URL, browser: String) throws -> Page {
        let screenshot = file.deletingPathExtension().appendingPathExtension("png")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
                             "--screenshot=\(screenshot.path)", "--window-size=1200,3000", "--dump-dom", file.absoluteString]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let dom = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let bytes = (try? FileManager.default.attributesOfItem(atPath: screenshot.path)[.size] as? Int) ?? 0
        return Page(screenshotBytes: bytes, dom: dom, consoleMessages: log.split(separator: "\n").filter { $0.contains("CONSOLE") }.map(String.init))
    }

    /// Runs `body` with the browser's path and a new folder, removed afterwards.
    static func withBrowser(_ body: (String, URL) throws -> Void) throws {
        let browser = try #require(Chromium.path)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("marginal-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try body(browser, folder)
    }

    /// The commands whose reports are opened, with a chart id each must show.
    static let commands: [(name: String, arguments: [String], chart: String)] = [
        ("fit", ["fit", "Examples/sleepstudy.csv", "-f", "Reaction ~ 1 + Days + (1 + Days | Subject)"], "caterpillar-Subject-Days"),
        ("glmm", ["fit", "Examples/cbpp.csv", "-f", "cbind(incidence, size - incidence) ~ period + (1 | herd)", "--family", "binomial", "--factor", "period"], "qq-residuals"),
        ("sample", ["sample", "Examples/sleepstudy.csv", "-f", "Reaction ~ 1 + Days + (1 + Days | Subject)", "--chains", "2", "--warmup", "200", "--draws", "200"], "pairs"),
        ("compare", ["compare", "Examples/Dyestuff.csv", "-f", "Yield ~ 1 + (1 | Batch)", "--methods", "reml,ml,em,map,vi"], "forest-sigma"),
        ("neyman-scott", ["example", "neyman-scott", "--pairs", "3000"], "neyman-scott-sweep"),
        ("prior-variance", ["example", "prior-variance"], "prior-variance-joint"),
        ("prior-mean", ["example", "prior-mean", "--groups", "40", "--chains", "0"], "prior-mean-gamma"),
    ]

    @Test(arguments: commands.indices)
    func reportRendersInChromium(_ index: Int) throws {
        let command = Self.commands[index]
        try Self.withBrowser { browser, folder in
            let file = folder.appendingPathComponent("\(command.name).html")
            let run = try CommandLineTests.marginal(command.arguments + ["--report", file.path])
            try #require(run.status == 0, "\(run.stderr)")
            let page = try Self.load(file, browser: browser)
            // A blank 1200 × 3000 page's screenshot is about 17 kB.
            #expect(page.screenshotBytes > 60_000, "\(command.name): screenshot of \(page.screenshotBytes) bytes")
            #expect(page.dom.contains("id=\"\(command.chart)\""), "\(command.name): chart \(command.chart) not in the rendered DOM")
            #expect(page.consoleMessages.isEmpty, "\(command.name): console: \(page.consoleMessages)")
        }
    }

    /// The check can fail: a blank page's screenshot is small and a page with an error logs it.
    @Test func theCheckSeesBlankPagesAndConsoleErrors() throws {
        try Self.withBrowser { browser, folder in
            let file = folder.appendingPathComponent("broken.html")
            try "<!DOCTYPE html><html><body><script>undefinedFunction()</script></body></html>".write(to: file, atomically: true, encoding: .utf8)
            let page = try Self.load(file, browser: browser)
            #expect(page.screenshotBytes > 0 && page.screenshotBytes < 60_000)
            #expect(page.consoleMessages.contains { $0.contains("undefinedFunction") })
        }
    }
}
