#if canImport(Glibc)
import Glibc
#endif
import API
import Foundation

/// A one-line progress bar on standard error: redrawn in place on a terminal, one line per change
/// (at most one a second) when standard error is a file or a pipe.
final class ProgressBar {
    private let isTerminal = isatty(2) == 1
    /// ANSI "erase to end of line": a shorter line leaves nothing of the longer one before it.
    static let clearToEnd = "\u{1B}[K"
    private var lastLine = ""
    private var lastPrint = Date.distantPast

    func show(_ progress: BatchProgress) {
        let line = Self.line(progress)
        guard line != lastLine else { return }
        if isTerminal {
            FileHandle.standardError.write(Data(("\r" + line + Self.clearToEnd).utf8))
        } else if Date().timeIntervalSince(lastPrint) >= 1 {
            FileHandle.standardError.write(Data((line + "\n").utf8))
            lastPrint = Date()
        } else {
            return
        }
        lastLine = line
    }

    func finish(_ progress: BatchProgress) {
        let line = Self.line(progress)
        if isTerminal {
            FileHandle.standardError.write(Data(("\r" + line + Self.clearToEnd + "\n").utf8))
        } else if line != lastLine {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        lastLine = line
    }

    static func line(_ progress: BatchProgress) -> String {
        let width = 30
        let total = max(progress.total, 1)
        let filled = min(width, progress.finished * width / total)
        var text = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
        text += "\(progress.finished)/\(progress.total) documents"
        let failed = progress.failed + progress.cancelled
        if failed > 0 { text += ", \(failed) failed" }
        if progress.running > 0 { text += ", \(progress.running) running" }
        if progress.status.isTerminal { text += " — batch \(progress.status.rawValue)" }
        return text
    }
}
