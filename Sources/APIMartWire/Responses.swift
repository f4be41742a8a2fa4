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

public enum TaskStatus: String, Sendable, Codable, CaseIterable {
    case pending, processing, completed, failed, cancelled

    public var isFinal: Bool { self == .completed || self == .failed || self == .cancelled }
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

/// A failed task's error: its shape is undocumented, so every field is optional.
public struct TaskError: Sendable, Codable, Equatable {
    public var code: Int?
    public var message: String?
    public var type: String?
    public init(code: Int? = nil, message: String? = nil, type: String? = nil) {
        self.code = code
        self.message = message
        self.type = type
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
        id: String, status: TaskStatus, progress: Int? = nil, result: TaskResult? = nil, created: Int? = nil,
        completed: Int? = nil, estimatedTime: Int? = nil, actualTime: Int? = nil, error: TaskError? = nil
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
