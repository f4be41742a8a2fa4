import APIMartClient
import ArgumentParser
import AssetGallery
import AssetPipeline
import AssetpipeBasics
import ImageCodec
import InputPreparation
import MaskTools
import Testing

@testable import AssetpipeCommands

/// Swift Testing has an `ExitStatus` of its own; this target calls ours `Status`.
typealias Status = AssetpipeCommands.ExitStatus

/// The one mapping from error to exit code (the README's table): 1 something failed, 2 usage, manifest,
/// configuration or local validation, 3 account.
@Suite struct ExitStatusTests {
    @Test(arguments: [
        (PipelineError.Code.manifest, Status.usage), (.pathEscape, .usage), (.configuration, .usage),
        (.busy, .usage), (.refused, .usage), (.localValidation, .usage), (.state, .failure),
        (.lockFile, .failure), (.io, .failure), (.postProcessing, .failure), (.requirementFailed, .failure),
        (.damagedLock, .usage), (.insufficientBalance, .account),
    ])
    func pipelineErrors(_ code: PipelineError.Code, _ status: Status) {
        #expect(Status(for: PipelineError(code, "x")) == status)
        #expect(Status.code(for: PipelineError(code, "x")) == status.rawValue)
    }

    @Test(arguments: [
        (GalleryError.Code.manifest, Status.usage), (.state, .failure), (.thumbnail, .failure), (.io, .failure),
    ])
    func galleryErrors(_ code: GalleryError.Code, _ status: Status) {
        #expect(Status(for: GalleryError(code, "x")) == status)
    }

    @Test(arguments: [
        (APIMartError.Kind.configuration, Status.usage), (.localValidation, .usage), (.badRequest, .failure),
        (.unauthorized, .account), (.paymentRequired, .account), (.forbidden(model: "m"), .account),
        (.notFound, .failure), (.payloadTooLarge, .failure), (.rateLimited, .failure), (.server, .failure),
        (.network, .failure), (.outcomeUnknown, .failure), (.taskFailed, .failure), (.deadlineExceeded, .failure),
        (.invalidResponse, .failure), (.download, .failure),
    ])
    func apiErrors(_ kind: APIMartError.Kind, _ status: Status) {
        #expect(Status(for: APIMartError(kind, "x")) == status)
    }

    @Test(arguments: MaskToolsErrorCode.allCases)
    func maskToolsErrors(_ code: MaskToolsErrorCode) {
        let error = MaskToolsError(code, "x")
        #expect(Status(for: error) == (error.isUsage ? .usage : .failure))
    }

    @Test func imageCodecErrors() {
        #expect(Status(for: ImageCodecError(.invalidArgument, "x")) == .usage)
        #expect(Status(for: ImageCodecError(.corrupt, "x")) == .failure)
        #expect(Status(for: ImageCodecError(.notAnImage, "x")) == .failure)
    }

    /// `generate`'s refused inputs: a missing file is 1, any other refusal 2, also inside the client's error.
    @Test(arguments: InputError.Code.allCases)
    func inputErrors(_ code: InputError.Code) {
        let expected: Status = code == .missingFile ? .failure : .usage
        #expect(Status(for: InputError(code, "x")) == expected)
        #expect(Status(for: APIMartError(.localValidation, "x", cause: InputError(code, "x"))) == expected)
    }

    @Test func commandAndFileErrors() {
        #expect(Status(for: CommandFailure(.failure, "mask m.png: no such file")) == .failure)
        #expect(Status(for: CommandFailure(.usage, "no key")) == .usage)
        #expect(Status(for: FileError(.io, "x", path: "/x")) == .failure)
    }

    @Test func argumentParserErrors() {
        #expect(Status(for: ExitCode(3)) == .account)
        #expect(Status(for: ExitCode(1)) == .failure)
        #expect(Status(for: ExitCode.success) == .success)
        #expect(Status(for: ValidationError("bad")) == .usage)
        #expect(Status(for: CleanExit.helpRequest()) == .success)
        #expect(throws: (any Error).self) { try AssetPipeCommand.parseAsRoot(["build", "--bogus"]) }
        do {
            _ = try AssetPipeCommand.parseAsRoot(["build", "--bogus"])
        } catch {
            #expect(Status(for: error) == .usage)
        }
    }

    @Test func anyOtherErrorIsAFailure() {
        struct Other: Error {}
        #expect(Status(for: Other()) == .failure)
    }
}
