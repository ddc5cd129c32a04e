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
    /// registered as itself too, so a client can be made from the host's services.
    /// </summary>
    public static IServiceCollection AddInMemoryTransport(this IServiceCollection services, InMemoryTransport transport)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(transport);
        services.RemoveAll<IConnectionListenerFactory>();
        services.RemoveAll<InMemoryTransport>();
        services.AddSingleton(transport);
        services.AddSingleton<IConnectionListenerFactory>(transport);
        return services;
    }
}
