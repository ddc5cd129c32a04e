using KestrelOneShot.InMemory.Internal;

using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KestrelOneShot.InMemory;

/// <summary>Puts Kestrel on an <see cref="InMemoryTransport"/>.</summary>
public static class InMemoryTransportServiceCollectionExtensions
{
    /// <summary>
    /// Makes Kestrel bind every endpoint in <paramref name="transport"/> instead of on sockets: the
    /// socket transport's registration is removed, so nothing can fall back to it. The transport is
    /// registered as itself too, so a client can be made from the host's services. The app's own
    /// <c>IHttpClientFactory</c> clients connect through the transport too, as from this machine.
    /// </summary>
    public static IServiceCollection AddInMemoryTransport(this IServiceCollection services, InMemoryTransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        return services.Join(transport, transport, transport.ConnectCallback);
    }

    /// <summary>
    /// Puts the app on <paramref name="host"/>'s network under its names: Kestrel binds every endpoint
    /// at the host's address instead of on sockets, and every client the app makes through
    /// <c>IHttpClientFactory</c> (named, typed, gRPC's client factory) connects through the network
    /// from that address, keeping the settings the app gave its primary handler. The host and its
    /// network are registered as themselves too.
    /// </summary>
    public static IServiceCollection AddInMemoryTransport(this IServiceCollection services, InMemoryHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        services.RemoveAll<InMemoryHost>();
        services.AddSingleton(host);
        return services.Join(host.Network, host, host.ConnectCallback);
    }

    private static IServiceCollection Join(this IServiceCollection services, InMemoryTransport network, IConnectionListenerFactory binds, Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> connect)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.RemoveAll<IConnectionListenerFactory>();
        services.RemoveAll<InMemoryTransport>();
        services.AddSingleton(network);
        services.AddSingleton(binds);
        OutboundClientRouting.Add(services, connect);
        return services;
    }
}
