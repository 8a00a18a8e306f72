public import Hummingbird
public import GeoStore
import GeoModel
import Logging
import Foundation

/// How to run the server.
public struct AppConfiguration: Sendable {
    public var storePath: String
    public var host: String
    public var port: Int
    public init(storePath: String = "data/bando.sqlite", host: String = "127.0.0.1", port: Int = 8080) {
        self.storePath = storePath; self.host = host; self.port = port
    }
}

/// Builds the application: the store is opened once here and injected into the routes.
public func buildApplication(_ config: AppConfiguration) throws -> some ApplicationProtocol {
    var logger = Logger(label: "bando")
    logger.logLevel = .info
    let store = try Store(path: config.storePath)
    let router = buildRouter(store: store)
    return Application(router: router,
                       configuration: .init(address: .hostname(config.host, port: config.port), serverName: "bando"),
                       logger: logger)
}

/// Every route, over one store. Tests call this directly with `app.test(.router)`.
public func buildRouter(store: Store) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: ErrorMiddleware())
    router.get("/healthz") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
    }
    addCatalogueRoutes(to: router, store: store)
    addDownloadRoutes(to: router, store: store)
    return router
}
