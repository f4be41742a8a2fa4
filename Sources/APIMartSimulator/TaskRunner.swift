import APIMartWire
import AsyncHTTPClient
import Foundation
import ImageCodec
import NIOCore
import NIOPosix

/// The work of one task: fetch its inputs, check the mask, render the results, hand the outcome to the state, then
/// wait on the simulator's clock for the end of the task's timeline so the task turns final without a poll.
/// Runs off the state actor (rendering is CPU work).
struct TaskRunner: Sendable {
    let state: SimulatorState
    let httpClient: HTTPClient
    /// Threads for decoding and rendering, owned by the running simulator (shut down when it stops).
    let renderPool: NIOThreadPool
    /// Largest input file fetched from a loopback URL.
    static let maxInputBytes = ContractLimits.maxUploadBytes

    func run(_ task: SimulatorState.TaskRecord, injectedFailure: Bool) async {
        let result: Result<[ResultRenderer.Output], TaskFailure>
        if injectedFailure {
            result = .failure(
                TaskFailure(
                    code: 500,
                    type: APIErrorType.server.rawValue,
                    message: .init(en: "image generation failed (simulated failure)", zh: "图像生成失败（模拟故障）")
                )
            )
        } else {
            do {
                result = .success(try await produce(task.request))
            } catch let failure as TaskFailure {
                result = .failure(failure)
            } catch is CancellationError {
                return
            } catch {
                result = .failure(
                    TaskFailure(
                        code: 500,
                        type: APIErrorType.server.rawValue,
                        message: .init(en: "image generation failed: \(error)", zh: "图像生成失败：\(error)")
                    )
                )
            }
        }
        await state.workDone(task.id, result: result)
        // The work is done; the task shows it at the end of its timeline, on the simulator's clock.
        do {
            try await state.clock.sleep(until: task.deadline)
        } catch {
            return
        }
        await state.settle(task.id)
    }

    func produce(_ request: GenerationRequest) async throws -> [ResultRenderer.Output] {
        let urls = request.imageURLs ?? []
        var referenceBytes: [[UInt8]] = []
        for (i, url) in urls.enumerated() {
            referenceBytes.append(try await fetch(url, field: "image_urls[\(i)]"))
        }
        var maskBytes: [UInt8]?
        if let maskURL = request.maskURL {
            maskBytes = try await fetch(maskURL, field: "mask_url")
        }
        try Task.checkCancellation()
        let inputs = (references: referenceBytes, mask: maskBytes)
        // Decoding and rendering are CPU work: they run on the simulator's own threads, never on the
        // cooperative pool that answers requests (a busy renderer must not stall polls).
        return try await renderPool.runIfActive {
            try Self.render(request, referenceBytes: inputs.references, maskBytes: inputs.mask)
        }
    }

    /// A started pool for one simulator's rendering: one thread fewer than the cores (at least one), so a busy
    /// renderer leaves a core for answering requests.
    static func makeRenderPool() -> NIOThreadPool {
        let pool = NIOThreadPool(numberOfThreads: max(1, System.coreCount - 1))
        pool.start()
        return pool
    }

    static func render(
        _ request: GenerationRequest,
        referenceBytes: [[UInt8]],
        maskBytes: [UInt8]?
    ) throws
        -> [ResultRenderer.Output]
    {
        var references: [RGBAImage] = []
        for (i, bytes) in referenceBytes.enumerated() {
            do {
                references.append(try ImageDecoder.decode(.bytes(bytes), applyOrientation: true))
            } catch {
                throw TaskFailure.invalid(
                    "image_urls[\(i)] is not an image the service can read: \(error)",
                    "image_urls[\(i)] 不是可读取的图片：\(error)"
                )
            }
        }
        var mask: RGBAImage?
        if let maskBytes, let firstReference = referenceBytes.first {
            mask = try checkedMask(maskBytes, reference: firstReference)
        }
        return try ResultRenderer(request: request).render(references: references, mask: mask)
    }

    /// The mask's pixels, after the contract's checks: a PNG with an alpha channel, the same width and height as
    /// the first reference as displayed (after its EXIF orientation).
    static func checkedMask(_ maskBytes: [UInt8], reference: [UInt8]) throws -> RGBAImage {
        let maskInfo: ImageInfo
        do {
            maskInfo = try ImageProbe.probe(.bytes(maskBytes))
        } catch {
            throw TaskFailure.invalid("mask_url is not a readable image: \(error)", "mask_url 不是可读取的图片：\(error)")
        }
        guard maskInfo.format == .png else {
            throw TaskFailure.invalid(
                "the mask must be a PNG with an alpha channel; got \(maskInfo.format.rawValue)",
                "遮罩图必须是带 Alpha 通道的 PNG；收到的是 \(maskInfo.format.rawValue)"
            )
        }
        guard maskInfo.hasAlpha else {
            throw TaskFailure.invalid(
                "the mask has no alpha channel: transparent (alpha 0) areas mark what may be edited",
                "遮罩图没有 Alpha 通道：透明（alpha 0）区域表示可编辑部分"
            )
        }
        let referenceInfo = try ImageProbe.probe(.bytes(reference))
        let (rw, rh) = (referenceInfo.orientedWidth, referenceInfo.orientedHeight)
        guard maskInfo.width == rw, maskInfo.height == rh else {
            throw TaskFailure.invalid(
                "the mask is \(maskInfo.width)×\(maskInfo.height) but the first reference image is \(rw)×\(rh); "
                    + "they must be the same size",
                "遮罩图尺寸 \(maskInfo.width)×\(maskInfo.height) 与首张参考图 \(rw)×\(rh) 不一致"
            )
        }
        do {
            return try ImageDecoder.decode(.bytes(maskBytes))
        } catch {
            throw TaskFailure.invalid("mask_url could not be decoded: \(error)", "mask_url 无法解码：\(error)")
        }
    }

    /// Bytes of an input URL: the simulator's own files from memory, other loopback URLs over HTTP, nothing else.
    func fetch(_ string: String, field: String) async throws -> [UInt8] {
        guard let url = URL(string: string), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https",
            url.host != nil
        else {
            throw TaskFailure.invalid(
                "\(field) '\(string)' is not an http(s) URL",
                "\(field) '\(string)' 不是 http(s) URL"
            )
        }
        switch await state.locate(url) {
        case .own(let file):
            guard let file else {
                throw TaskFailure.invalid(
                    "\(field) '\(string)' was not found (never uploaded, or expired)",
                    "\(field) '\(string)' 不存在（未上传或已过期）"
                )
            }
            return file.bytes
        case .remote:
            throw TaskFailure.invalid(
                "\(field) '\(string)' cannot be fetched: the simulator only reaches its own and loopback URLs",
                "\(field) '\(string)' 无法获取：模拟器只访问自身和本机回环地址"
            )
        case .loopback:
            do {
                let response = try await httpClient.execute(HTTPClientRequest(url: string), timeout: .seconds(30))
                guard response.status.code == 200 else {
                    throw TaskFailure.invalid(
                        "\(field) '\(string)' answered HTTP \(response.status.code)",
                        "\(field) '\(string)' 返回 HTTP \(response.status.code)"
                    )
                }
                let body = try await response.body.collect(upTo: Self.maxInputBytes)
                return Array(body.readableBytesView)
            } catch let failure as TaskFailure {
                throw failure
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                throw TaskFailure.invalid(
                    "\(field) '\(string)' could not be fetched: \(error)",
                    "\(field) '\(string)' 获取失败：\(error)"
                )
            }
        }
    }
}
