import AtelierCore
import AtelierStore
import HTTPTypes
import Hummingbird
import Prometheus

/// Liveness, readiness and Prometheus metrics, outside `/api/v1` where orchestrators expect them.
struct HealthRoutes {
    let database: any Database
    let searchIndex: any ListingSearchIndex
    let metrics: PrometheusCollectorRegistry

    func add(to router: Router<AtelierContext>) {
        router.get("health") { _, context in
            try Reply.json(["status": "ok"], context)
        }
        router.get("ready") { _, context in
            guard await database.isReachable() else {
                throw AtelierError(status: 503, code: "NOT_READY", message: "The database is not reachable.")
            }
            // Searches before the index has caught up would miss listings (and wait on it).
            guard searchIndex.isLoaded else {
                throw AtelierError(status: 503, code: "NOT_READY", message: "The search index is still loading.")
            }
            return try Reply.json(["status": "ready"], context)
        }
        // Read when scraped: the index changes state without telling anyone.
        // A 0/1 state has no unit; an empty unit name adds no suffix.
        let buildingGraph = metrics.makeGauge(descriptor: MetricNameDescriptor(
            metricName: "atelier_search_index_building_graph", unitName: "",
            helpText: "1 while the in-process search index builds its graph (searches are exact, slower, meanwhile)"))
        router.get("metrics") { _, _ in
            buildingGraph.set(to: searchIndex.isBuildingGraph ? 1.0 : 0.0)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
    }
}
