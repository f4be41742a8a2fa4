import ArgumentParser
import Foundation
import ImageCodec
import MaskTools

extension AssetPipeCommand {
    /// `assetpipe mask ...`: inpainting mask tools. Each subcommand lives in its own file (MaskCheck.swift, ...).
    struct Mask: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mask",
            abstract: "Check, make, preview and fit inpainting masks; compare and composite edit results.",
            discussion: """
                A mask is a PNG with an alpha channel, the same width and height as the first reference \
                image as shown (after its EXIF orientation). Alpha 0 marks where the model may paint; \
                alpha 255 what it should keep.

                Exit codes (every mask subcommand): 0 success; 1 refused, failed check or missing file; 2 usage error \
                (an output path that is one of the inputs included: nothing is written).
                """,
            subcommands: [
                Check.self, Make.self, Preview.self, Fit.self, Upright.self, Ratio.self, Diff.self, Composite.self,
            ]
        )
    }
}

/// Shared pieces of the mask subcommands: exit-code text, argument checks and error reporting.
enum MaskCommandSupport {
    static let exitCodes = "Exit codes: 0 success; 1 refused or failed; 2 usage error."

    /// A failure (exit 1, no usage banner) when a file the command reads does not exist: called from `run()`,
    /// as every command treats a missing file named on the command line.
    static func requireFile(_ path: String, _ what: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw CommandFailure(.failure, "\(what) \(path): no such file")
        }
    }

    /// Usage error unless the output path ends in one of `extensions`.
    static func requireExtension(_ path: String, _ what: String, _ extensions: [String]) throws {
        let ext = (path as NSString).pathExtension.lowercased()
        guard extensions.contains(ext) else {
            throw ValidationError(
                "\(what) \(path): the name must end in " + extensions.map { "." + $0 }.joined(separator: " or ")
            )
        }
    }

    /// Runs a library call in `validate()`, turning its usage errors into ValidationError (exit 2).
    static func parse<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as MaskToolsError { throw ValidationError(e.message) }
    }

    /// Prints the error on stderr and returns the exit code for its kind.
    static func exit(for error: Error) -> ExitCode {
        if let e = error as? ExitCode { return e }
        Console.error("error: \(error)")
        return ExitStatus(for: error).exitCode
    }

    /// Runs the body; library errors become messages and exit codes.
    static func run(_ body: () throws -> Void) throws {
        do { try body() } catch let e as ExitCode { throw e } catch { throw exit(for: error) }
    }

    static func percent(_ fraction: Double) -> String {
        String(format: "%.2f%%", fraction * 100)
    }

    static func rect(_ r: PixelRect?) -> String {
        guard let r else { return "none" }
        return "x=\(r.x) y=\(r.y) \(r.width)×\(r.height)"
    }
}
