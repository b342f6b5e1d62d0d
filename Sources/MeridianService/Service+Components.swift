extension Service {
    /// The components `meridian serve` runs beside the watch loop, in start order (stopped in
    /// reverse). The integrator adds each here, e.g. `Alerter(context)`, `APIServer(context)`,
    /// `HTTPListener(context)`; each gets the first survey's state already published.
    static func components(for context: ServiceContext) throws -> [any ServiceComponent] {
        let api = try APIServer.make(cluster: context.cluster, clusterPath: context.clusterPath, coordinator: context.tls,
                                     configuration: context.configuration, state: context.state, history: context.store,
                                     refresh: { context.watcher.refresh() }, log: context.log)
        var components: [any ServiceComponent] = [try Alerter(context), api, try HTTPComponent(context)]
        if let directory = context.configuration.textfileDirectory {
            components.append(try TextfileWriter(context, directory: directory))
        }
        return components
    }
}

extension APIServer: ServiceComponent {}
