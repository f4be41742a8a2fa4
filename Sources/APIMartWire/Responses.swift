import Foundation

/// `POST /v1/images/generations` 200: `{"code": 200, "data": [{"status": "submitted", "task_id": "…"}]}`
public struct SubmitResponse: Sendable, Codable, Equatable {
    public struct Entry: Sendable, Codable, Equatable {
        public var status: String
        public var taskID: String
        public init(status: String, taskID: String) {
            self.status = status
            self.taskID = taskID
        }
        enum CodingKeys: String, CodingKey {
            case status
            case taskID = "task_id"
        }
    }
    public var code: Int
    public var data: [Entry]
    public init(code: Int = 200, data: [Entry]) {
        self.code = code
        self.data = data
    }
}

/// A submit's 200 answer in any of its three shapes (CONTRACT.md sections 2 and 6): the legacy array
/// `data: [{"status", "task_id"}]`, the legacy single object `data: {"status", "task_id"}`, and the versioned
/// `data: {"id", "object": "generation.task", "status"}` with `request_id`; or `object: "generation.result"`,
/// the work done at once, whose data is read as a finished task's.
public enum SubmitAnswer: Sendable, Equatable {
    /// A task to poll.
    case task(id: String, versioned: Bool)
    /// The work finished at once (`generation.result`): the task's data, with its results.
    case result(TaskData)

    /// The answer read from `body`, or nil when it cannot be understood (no task id, no readable result).
    public static func parse(_ body: [UInt8]) -> SubmitAnswer? {
        guard let root = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else { return nil }
        let data: [String: Any]?
        if let many = root["data"] as? [Any] {
            data = many.first as? [String: Any]
        } else {
            data = root["data"] as? [String: Any]
        }
        guard let data else { return nil }
        let object = (data["object"] as? String)?.lowercased()
        if object == "generation.result" {
            var copy = data
            if copy["id"] == nil, let id = copy["task_id"] { copy["id"] = id }
            if copy["id"] == nil { copy["id"] = (root["request_id"] as? String) ?? "" }
            guard let encoded = try? JSONSerialization.data(withJSONObject: copy),
                let task = try? JSONDecoder().decode(TaskData.self, from: encoded)
            else { return nil }
            return .result(task)
        }
        let id = Self.text(data["task_id"]) ?? Self.text(data["id"])
        guard let id, !id.isEmpty else { return nil }
        return .task(id: id, versioned: object != nil || root["request_id"] != nil)
    }

    private static func text(_ value: Any?) -> String? {
        if let text = value as? String { return text }
        if let number = value as? NSNumber { return number.stringValue }
        return nil
    }
}

public enum TaskStatus: String, Sendable, Codable, CaseIterable {
    case pending, processing, completed, failed, cancelled

    public var isFinal: Bool { self == .completed || self == .failed || self == .cancelled }

    /// A status in any letter case (`Completed`, `FAILED`); `canceled` is read as `cancelled`.
    public init?(lenient text: String) {
        let lower = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let known = TaskStatus(rawValue: lower) {
            self = known
        } else if lower == "canceled" {
            self = .cancelled
        } else {
            return nil
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let status = TaskStatus(lenient: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "unknown task status '\(text)'")
            )
        }
        self = status
    }
}

/// One result image of a completed task. `url` arrives as a string or an array of strings.
public struct TaskResultImage: Sendable, Codable, Equatable {
    public var urls: [String]
    public var expiresAt: Int?

    public init(urls: [String], expiresAt: Int?) {
        self.urls = urls
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case url
        case expiresAt = "expires_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let many = try? c.decode([String].self, forKey: .url) {
            urls = many
        } else {
            urls = [try c.decode(String.self, forKey: .url)]
        }
        expiresAt = try c.decodeIfPresent(Int.self, forKey: .expiresAt)
    }

    /// Encodes `url` as an array, as in the contract's example.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(urls, forKey: .url)
        try c.encodeIfPresent(expiresAt, forKey: .expiresAt)
    }
}

public struct TaskResult: Sendable, Codable, Equatable {
    public var images: [TaskResultImage]
    public init(images: [TaskResultImage]) { self.images = images }
}

/// A failed task's error: its shape is undocumented (CONTRACT.md section 3), so it is read from an object
/// whose `code` is a number or a string, or from a plain string (the message alone); every field is optional.
public struct TaskError: Sendable, Codable, Equatable {
    /// A numeric `code`.
    public var code: Int?
    /// A `code` sent as a string (`"server_error"`).
    public var codeText: String?
    public var message: String?
    public var type: String?
    public init(code: Int? = nil, codeText: String? = nil, message: String? = nil, type: String? = nil) {
        self.code = code
        self.codeText = codeText
        self.message = message
        self.type = type
    }

    enum CodingKeys: String, CodingKey {
        case code, message, type
    }

    public init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            code = nil
            codeText = nil
            message = text
            type = nil
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        code = try? c.decodeIfPresent(Int.self, forKey: .code)
        codeText = code == nil ? (try? c.decodeIfPresent(String.self, forKey: .code)) : nil
        message = try? c.decodeIfPresent(String.self, forKey: .message)
        type = try? c.decodeIfPresent(String.self, forKey: .type)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if let code { try c.encode(code, forKey: .code) } else { try c.encodeIfPresent(codeText, forKey: .code) }
        try c.encodeIfPresent(message, forKey: .message)
        try c.encodeIfPresent(type, forKey: .type)
    }

    /// What the server said, for a message: the message, else the type or code, else nil.
    public var summary: String? {
        if let message, !message.isEmpty { return message }
        return [type, codeText, code.map(String.init)].compactMap { $0 }.first { !$0.isEmpty }
    }
}

/// `GET /v1/tasks/{id}` → `data`.
public struct TaskData: Sendable, Codable, Equatable {
    public var id: String
    public var status: TaskStatus
    public var progress: Int?
    public var result: TaskResult?
    public var created: Int?
    public var completed: Int?
    public var estimatedTime: Int?
    public var actualTime: Int?
    public var error: TaskError?

    public init(
        id: String,
        status: TaskStatus,
        progress: Int? = nil,
        result: TaskResult? = nil,
        created: Int? = nil,
        completed: Int? = nil,
        estimatedTime: Int? = nil,
        actualTime: Int? = nil,
        error: TaskError? = nil
    ) {
        self.id = id
        self.status = status
        self.progress = progress
        self.result = result
        self.created = created
        self.completed = completed
        self.estimatedTime = estimatedTime
        self.actualTime = actualTime
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case id, status, progress, result, created, completed, error
        case estimatedTime = "estimated_time"
        case actualTime = "actual_time"
    }

    /// Reads what matters strictly (`id`, `status`) and the rest leniently: a number sent as a float or a
    /// string, or an `error` in an unforeseen shape, never makes a task unreadable. Unknown fields are ignored.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let text = try? c.decode(String.self, forKey: .id) {
            id = text
        } else {
            id = String(try c.decode(Int.self, forKey: .id))
        }
        status = try c.decode(TaskStatus.self, forKey: .status)
        progress = Self.number(c, .progress)
        result = try? c.decodeIfPresent(TaskResult.self, forKey: .result)
        created = Self.number(c, .created)
        completed = Self.number(c, .completed)
        estimatedTime = Self.number(c, .estimatedTime)
        actualTime = Self.number(c, .actualTime)
        if (try? c.decodeNil(forKey: .error)) ?? true {
            error = nil
        } else {
            error =
                (try? c.decode(TaskError.self, forKey: .error)) ?? TaskError(message: "an error the client cannot read")
        }
    }

    private static func number(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) -> Int? {
        if let value = try? c.decodeIfPresent(Int.self, forKey: key) { return value }
        if let value = try? c.decodeIfPresent(Double.self, forKey: key), value.isFinite, abs(value) < 1e15 {
            return Int(value)
        }
        if let text = try? c.decodeIfPresent(String.self, forKey: key) { return Int(text) }
        return nil
    }
}

public struct TaskEnvelope: Sendable, Codable, Equatable {
    public var code: Int
    public var data: TaskData
    public init(code: Int = 200, data: TaskData) {
        self.code = code
        self.data = data
    }
}

/// `POST /v1/uploads/images` 200.
public struct UploadResponse: Sendable, Codable, Equatable {
    public var url: String
    public var filename: String
    public var contentType: String
    public var bytes: Int
    public var createdAt: Int

    public init(url: String, filename: String, contentType: String, bytes: Int, createdAt: Int) {
        self.url = url
        self.filename = filename
        self.contentType = contentType
        self.bytes = bytes
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case url, filename, bytes
        case contentType = "content_type"
        case createdAt = "created_at"
    }
}

/// The error types of the contract's table (section 4).
public enum APIErrorType: String, Sendable, Codable {
    case invalidRequest = "invalid_request_error"
    case authentication = "authentication_error"
    case paymentRequired = "payment_required"
    case permission = "permission_error"
    case payloadTooLarge = "payload_too_large"
    case rateLimit = "rate_limit_error"
    case server = "server_error"
    case badGateway = "bad_gateway"
    case notFound = "not_found_error"

    /// The type the contract pairs with an HTTP status.
    public init(status: Int) {
        switch status {
        case 400: self = .invalidRequest
        case 401: self = .authentication
        case 402: self = .paymentRequired
        case 403: self = .permission
        case 404: self = .notFound
        case 413: self = .payloadTooLarge
        case 429: self = .rateLimit
        case 502: self = .badGateway
        default: self = .server
        }
    }
}

/// `{"error": {"code": 429, "message": "…", "type": "rate_limit_error"}}`
public struct APIErrorBody: Sendable, Codable, Equatable {
    public struct Detail: Sendable, Codable, Equatable {
        public var code: Int
        public var message: String
        public var type: String
        public init(code: Int, message: String, type: String) {
            self.code = code
            self.message = message
            self.type = type
        }
    }
    public var error: Detail
    public init(status: Int, message: String) {
        error = Detail(code: status, message: message, type: APIErrorType(status: status).rawValue)
    }
}
