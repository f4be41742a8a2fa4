// assetpipe-bench: operations a–f of the benchmark kit (../shared/bench/limit.c), done in process with the same
// ImageCodec calls the CLI (`assetpipe inspect`, `assetpipe convert`) and the pipeline's post-processing use.
//
// usage: assetpipe-bench [--repeat N] [--serial] [--json] OP [OUTDIR] FILE...
//   probe FILE...            ImageProbe.probe (headers only)                                           (a)
//   transp-full FILE...      TransparencyAnalyzer.analyze(earlyExit: false): fractions + bounds      (b, f)
//   transp-any FILE...       TransparencyAnalyzer.analyze(earlyExit: true): stops at the first alpha<255
//   tojpeg OUTDIR FILE...    ImageConverter.convert → JPEG q85 flattened on white (streamed rows)       (c)
//   png9 OUTDIR FILE...      ImageConverter.convert → PNG zlib level 9 (streamed rows)                  (d)
//   resize OUTDIR FILE...    ImageDecoder.decode once, ImageConverter.encode with resize .scale(0.5) and
//                            .scale(0.25) (Lanczos3) → PNG zlib 6, AtomicFile.write                      (e)
//   towebp OUTDIR FILE...    ImageConverter.convert → WebP q80 method 4 (as `cwebp -q 80 -m 4`)    (issue 15)
//   towebp-mt OUTDIR FILE... the same with libwebp's thread_level (WebPEncodeOptions.threads 2)
//   toavif OUTDIR FILE...    ImageConverter.convert → AVIF, quality $AVIF_QUALITY (60), speed $AVIF_SPEED (6),
//                            4:4:4, one encoder thread (as `avifenc -c aom -j 1` with the mapped quantizers)
// Files are independent, so every batch runs on all cores (DispatchQueue.concurrentPerform, as
// `assetpipe inspect` does); --serial runs them one after another on one core (for comparison with the floor).
// --repeat N runs the whole batch N times in this process and reports the median and minimum.
// Prints one line: op, files, runs, median s, min s, peak RSS MB (getrusage), output bytes of one batch.
import AssetpipeBasics
import Dispatch
import ImageCodec

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Options {
    var repeatCount = 1
    var serial = false
    var json = false
    var op = ""
    var outDir: String?
    var files: [String] = []
}

func usage() -> Never {
    printError(
        "usage: assetpipe-bench [--repeat N] [--serial] [--json] "
            + "probe|transp-full|transp-any|tojpeg|png9|resize|towebp|towebp-mt|toavif [OUTDIR] FILE..."
    )
    exit(2)
}

func parse(_ args: [String]) -> Options {
    var o = Options()
    var i = 0
    while i < args.count, args[i].hasPrefix("--") {
        switch args[i] {
        case "--repeat":
            i += 1
            guard i < args.count, let n = Int(args[i]), n > 0 else { usage() }
            o.repeatCount = n
        case "--serial": o.serial = true
        case "--json": o.json = true
        default: usage()
        }
        i += 1
    }
    guard i < args.count else { usage() }
    o.op = args[i]
    i += 1
    if ["tojpeg", "png9", "resize", "towebp", "towebp-mt", "toavif"].contains(o.op) {
        guard i < args.count else { usage() }
        o.outDir = args[i]
        i += 1
    } else if !["probe", "transp-full", "transp-any"].contains(o.op) {
        usage()
    }
    o.files = Array(args[i...])
    if o.files.isEmpty { usage() }
    return o
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // KB on Linux
}

func stem(_ path: String) -> String {
    let base = path.split(separator: "/").last.map(String.init) ?? path
    if let dot = base.lastIndex(of: ".") { return String(base[..<dot]) }
    return base
}

/// What one file's operation produced: output bytes written (0 for analyses), and a value to print as a check.
struct FileResult: Sendable {
    var bytes = 0
    var nonOpaque = false
    var fraction = 0.0
    var hasAlpha = false
    var error: String?
}

final class Results: @unchecked Sendable {
    private var storage: [FileResult]
    private let lock = DispatchSemaphore(value: 1)
    init(count: Int) { storage = Array(repeating: FileResult(), count: count) }
    func set(_ i: Int, _ r: FileResult) {
        lock.wait()
        storage[i] = r
        lock.signal()
    }
    var values: [FileResult] { storage }
}

let white = RGBColor(r: 255, g: 255, b: 255)

func work(_ op: String, _ path: String, outDir: String?) -> FileResult {
    var r = FileResult()
    do {
        switch op {
        case "probe":
            let info = try ImageProbe.probe(.file(path))
            r.hasAlpha = info.hasAlpha
        case "transp-full", "transp-any":
            let report = try TransparencyAnalyzer.analyze(.file(path), earlyExit: op == "transp-any")
            r.nonOpaque = !report.opaque
            r.fraction = report.transparentFraction + report.translucentFraction
        case "tojpeg":
            let options = ConversionOptions(format: .jpeg, jpegQuality: 85, flatten: white)
            r.bytes = try ImageConverter.convert(.file(path), options: options, to: "\(outDir!)/\(stem(path)).jpg")
                .bytes
        case "png9":
            let options = ConversionOptions(format: .png, pngLevel: 9)
            r.bytes = try ImageConverter.convert(.file(path), options: options, to: "\(outDir!)/\(stem(path)).png")
                .bytes
        case "resize":
            let image = try ImageDecoder.decode(.file(path))
            for (scale, suffix) in [(0.5, "_half"), (0.25, "_quarter")] {
                let bytes = try ImageConverter.encode(
                    image,
                    options: ConversionOptions(format: .png, pngLevel: 6, resize: .scale(scale))
                )
                try AtomicFile.write(bytes, to: "\(outDir!)/\(stem(path))\(suffix).png")
                r.bytes += bytes.count
            }
        case "towebp", "towebp-mt":
            var options = ConversionOptions(format: .webp)
            options.webp = WebPEncodeOptions(quality: 80, method: 4, threads: op == "towebp-mt" ? 2 : 1)
            r.bytes = try ImageConverter.convert(.file(path), options: options, to: "\(outDir!)/\(stem(path)).webp")
                .bytes
        case "toavif":
            func setting(_ name: String, _ fallback: Int) -> Int {
                getenv(name).flatMap { Int(String(cString: $0)) } ?? fallback
            }
            var options = ConversionOptions(format: .avif)
            options.avif = AVIFEncodeOptions(quality: setting("AVIF_QUALITY", 60), speed: setting("AVIF_SPEED", 6))
            r.bytes = try ImageConverter.convert(.file(path), options: options, to: "\(outDir!)/\(stem(path)).avif")
                .bytes
        default:
            usage()
        }
    } catch {
        r.error = "\(path): \(error)"
    }
    return r
}

func runBatch(_ o: Options) -> [FileResult] {
    let results = Results(count: o.files.count)
    if o.serial {
        for (i, f) in o.files.enumerated() { results.set(i, work(o.op, f, outDir: o.outDir)) }
    } else {
        let (op, files, outDir) = (o.op, o.files, o.outDir)
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            results.set(i, work(op, files[i], outDir: outDir))
        }
    }
    return results.values
}

let options = parse(Array(CommandLine.arguments.dropFirst()))
var times: [Double] = []
var last: [FileResult] = []
for _ in 0..<options.repeatCount {
    let t0 = now()
    last = runBatch(options)
    times.append(now() - t0)
}
let sorted = times.sorted()
let median =
    sorted.count % 2 == 1
    ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
let errors = last.compactMap(\.error)
for e in errors.prefix(5) { printError("error: \(e)") }
let outBytes = last.reduce(0) { $0 + $1.bytes }
let nonOpaque = last.filter(\.nonOpaque).count
let withAlpha = last.filter(\.hasAlpha).count
let meanFraction = last.isEmpty ? 0 : last.reduce(0.0) { $0 + $1.fraction } / Double(last.count)
let rss = peakRSSMegabytes()
let mode = options.serial ? "serial" : "parallel"
if options.json {
    print(
        """
        {"op":"\(options.op)","files":\(options.files.count),"runs":\(times.count),"mode":"\(mode)",\
        "median_s":\(median),"min_s":\(sorted[0]),"peak_rss_mb":\(rss),"output_bytes":\(outBytes),\
        "bad":\(errors.count),"non_opaque":\(nonOpaque),"with_alpha":\(withAlpha),"mean_fraction":\(meanFraction)}
        """
    )
} else {
    var check = ""
    switch options.op {
    case "probe": check = " with_alpha=\(withAlpha)"
    case "transp-full": check = " non_opaque=\(nonOpaque) mean_fraction=\(format6(meanFraction))"
    case "transp-any": check = " non_opaque=\(nonOpaque)"
    default: check = " output_bytes=\(outBytes)"
    }
    print(
        "\(options.op): files=\(options.files.count) bad=\(errors.count)\(check) runs=\(times.count) \(mode) "
            + "median=\(format4(median))s min=\(format4(sorted[0]))s peak_rss=\(format1(rss))MB"
    )
}
exit(errors.isEmpty ? 0 : 1)

func format4(_ v: Double) -> String { fixed(v, 4) }
func format6(_ v: Double) -> String { fixed(v, 6) }
func format1(_ v: Double) -> String { fixed(v, 1) }
func fixed(_ v: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let n = Int((v * scale).rounded())
    let whole = n / Int(scale)
    let frac = String(n % Int(scale))
    return "\(whole)." + String(repeating: "0", count: digits - frac.count) + frac
}

func printError(_ s: String) {
    let line = Array((s + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
