// assetpipe-pipeline-bench: the pipeline benchmark of issue 6, against the simulator.
//
// usage: assetpipe-pipeline-bench ASSETPIPE_BINARY [--jobs-count 200] [--concurrency 8] [--task-seconds 1]
//                                 [--distinct-inputs 20] [--workdir DIR]
// Starts the APIMart simulator in this process (so its statistics can be read afterwards), writes a manifest of
// N assets (each a single-reference edit; the references are D distinct small PNGs shared round-robin), runs
// `assetpipe build MANIFEST --base-url URL --jobs C --json --yes` as a separate process under /usr/bin/time, and
// prints: wall time against the ideal (N ÷ C × task time), polls per task, uploads per distinct input, and
// assetpipe's own CPU time (user+sys) per job. Then runs the build a second time (nothing changed) and reports
// its API calls (should be none).
import APIMartSimulator
import Foundation
import ImageCodec

struct Options {
    var binary = ""
    var jobs = 200
    var concurrency = 8
    var taskSeconds = 1.0
    var distinct = 20
    var workdir = "/tmp/assetpipe-pipeline-bench"
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(1)
}

func parse() -> Options {
    var o = Options()
    var args = Array(CommandLine.arguments.dropFirst())
    guard !args.isEmpty else {
        fail(
            "usage: assetpipe-pipeline-bench ASSETPIPE_BINARY [--jobs-count N] [--concurrency C] [--task-seconds S] "
                + "[--distinct-inputs D] [--workdir DIR]"
        )
    }
    o.binary = args.removeFirst()
    while !args.isEmpty {
        let flag = args.removeFirst()
        guard let value = args.first else { fail("\(flag) needs a value") }
        args.removeFirst()
        switch flag {
        case "--jobs-count": o.jobs = Int(value) ?? o.jobs
        case "--concurrency": o.concurrency = Int(value) ?? o.concurrency
        case "--task-seconds": o.taskSeconds = Double(value) ?? o.taskSeconds
        case "--distinct-inputs": o.distinct = Int(value) ?? o.distinct
        case "--workdir": o.workdir = value
        default: fail("unknown option \(flag)")
        }
    }
    return o
}

/// A small photo-like reference, different for each index.
func referencePNG(_ index: Int) throws -> [UInt8] {
    let (w, h) = (256, 256)
    var pixels = [UInt8](repeating: 255, count: w * h * 4)
    for y in 0..<h {
        for x in 0..<w {
            let i = (y * w + x) * 4
            pixels[i] = UInt8((x + index * 37) & 255)
            pixels[i + 1] = UInt8((y + index * 91) & 255)
            pixels[i + 2] = UInt8(((x ^ y) + index * 13) & 255)
        }
    }
    return try ImageEncoder.png(RGBAImage(width: w, height: h, pixels: pixels))
}

struct RunResult {
    var status: Int32
    var wall: Double
    var user: Double
    var sys: Double
    var maxRSSMB: Double
    var stdout: String
    var stderr: String
}

/// Runs the binary under /usr/bin/time (wall, user, sys, max RSS of the assetpipe process itself).
func run(_ binary: String, _ arguments: [String], environment: [String: String]) throws -> RunResult {
    let timeFile = NSTemporaryDirectory() + "assetpipe-pipeline-bench-time-\(getpid()).txt"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
    process.arguments = ["-f", "%e %U %S %M", "-o", timeFile, binary] + arguments
    process.environment = environment
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let outData = LockedData()
    let errData = LockedData()
    out.fileHandleForReading.readabilityHandler = { outData.append($0.availableData) }
    err.fileHandleForReading.readabilityHandler = { errData.append($0.availableData) }
    try process.run()
    process.waitUntilExit()
    out.fileHandleForReading.readabilityHandler = nil
    err.fileHandleForReading.readabilityHandler = nil
    outData.append(out.fileHandleForReading.readDataToEndOfFile())
    errData.append(err.fileHandleForReading.readDataToEndOfFile())
    let fields =
        ((try? String(contentsOfFile: timeFile, encoding: .utf8)) ?? "")
        .split(separator: "\n").last.map { $0.split(separator: " ").compactMap { Double($0) } } ?? []
    guard fields.count == 4 else { fail("could not read /usr/bin/time's figures from \(timeFile)") }
    return RunResult(
        status: process.terminationStatus,
        wall: fields[0],
        user: fields[1],
        sys: fields[2],
        maxRSSMB: fields[3] / 1024,
        stdout: String(decoding: outData.value, as: UTF8.self),
        stderr: String(decoding: errData.value, as: UTF8.self)
    )
}

final class LockedData: @unchecked Sendable {
    private var data = Data()
    private let lock = NSLock()
    func append(_ d: Data) {
        lock.lock()
        data.append(d)
        lock.unlock()
    }
    var value: Data {
        lock.lock()
        defer { lock.unlock() }
        return data
    }
}

func f(_ v: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", v) }

let o = parse()
let fm = FileManager.default
try? fm.removeItem(atPath: o.workdir)
try fm.createDirectory(atPath: o.workdir + "/refs", withIntermediateDirectories: true)
for i in 0..<o.distinct {
    try Data(referencePNG(i)).write(to: URL(fileURLWithPath: o.workdir + "/refs/ref_\(i).png"))
}
var manifest = """
    output: generated
    defaults:
      model: gpt-image-1-official
      quality: medium
      size: "1:1"
    assets:

    """
for j in 0..<o.jobs {
    manifest += """
          - name: bench/asset_\(j)
            prompt: Benchmark asset \(j), a still life in the style of reference \(j % o.distinct)
            references: [refs/ref_\(j % o.distinct).png]
            outputs:
              - format: png

        """
}
let manifestPath = o.workdir + "/assetpipe.yaml"
try manifest.write(toFile: manifestPath, atomically: true, encoding: .utf8)

let key = "bench-key-\(getpid())"
let simulator = try await SimulatorServer.start(
    SimulatorConfiguration(requiredKey: key, taskDuration: .milliseconds(Int64(o.taskSeconds * 1000)))
)
var env = ProcessInfo.processInfo.environment
env["APIMART_API_KEY"] = key
let arguments = [
    "build", manifestPath, "--base-url", simulator.baseURL, "--jobs", String(o.concurrency), "--json", "--yes",
]

func selfCPU() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}
func loadAverage() -> String {
    ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").first.map(
        String.init
    ) ?? "?"
}
let load0 = loadAverage()
let cpu0 = selfCPU()
let first = try run(o.binary, arguments, environment: env)
let simulatorCPU = selfCPU() - cpu0
let load1 = loadAverage()
let stats = await simulator.stats
let second = try run(o.binary, arguments, environment: env)
let stats2 = await simulator.stats
await simulator.stop()

let ideal = Double(o.jobs) / Double(o.concurrency) * o.taskSeconds
let polls = stats.polls.values
let meanPolls = polls.isEmpty ? 0 : Double(polls.reduce(0, +)) / Double(polls.count)
let cpu = first.user + first.sys
let secondCalls = stats2.requests.values.reduce(0, +) - stats.requests.values.reduce(0, +)
print(
    "pipeline: \(o.jobs) jobs, --jobs \(o.concurrency), task time \(f(o.taskSeconds)) s, \(o.distinct) distinct inputs"
)
print("| measure | value | target |")
print("|---|---:|---|")
print("| exit status of `assetpipe build` | \(first.status) | 0 |")
print("| tasks submitted / billed images | \(stats.submissions) / \(stats.billedImages) | \(o.jobs) / \(o.jobs) |")
print("| wall time | \(f(first.wall)) s | ≤ \(f(ideal * 1.25)) s |")
print("| ideal (jobs ÷ concurrency × task time) | \(f(ideal)) s | |")
print("| wall ÷ ideal | \(f(first.wall / ideal)) | ≤ 1.25 |")
print("| polls per task (mean / max) | \(f(meanPolls)) / \(polls.max() ?? 0) | ≤ 3 on average |")
print(
    "| uploads per distinct input | \(f(Double(stats.uploads) / Double(o.distinct))) (\(stats.uploads) uploads) | exactly 1 |"
)
print("| assetpipe CPU time per job (user+sys) | \(f(cpu / Double(o.jobs) * 1000, 1)) ms (\(f(cpu)) s total) | |")
print(
    "| simulator CPU time per job (same machine, renders the result images) | \(f(simulatorCPU / Double(o.jobs) * 1000, 1)) ms | |"
)
print(
    "| machine load (1-min average) before / after the build, \(ProcessInfo.processInfo.activeProcessorCount) cores | \(load0) / \(load1) | |"
)
print("| assetpipe peak RSS | \(f(first.maxRSSMB, 1)) MB | |")
print("| second build (nothing changed): wall / API calls | \(f(second.wall)) s / \(secondCalls) | 0 calls |")
if first.status != 0 {
    FileHandle.standardError.write(Data("assetpipe build exited \(first.status); its stderr ends:\n".utf8))
    FileHandle.standardError.write(Data(first.stderr.suffix(2000).utf8))
    FileHandle.standardError.write(Data(first.stdout.suffix(1000).utf8))
    exit(1)
}
