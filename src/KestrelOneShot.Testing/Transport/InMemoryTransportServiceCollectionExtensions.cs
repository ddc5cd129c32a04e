using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KestrelOneShot.Testing.Transport;

/// <summary>Puts Kestrel on an <see cref="InMemoryTransport"/>.</summary>
public static class InMemoryTransportServiceCollectionExtensions
{
    /// <summary>
    /// Makes Kestrel bind every endpoint in <paramref name="transport"/> instead of on sockets: the
    /// socket transport's registration is removed, so nothing can fall back to it.
    /// </summary>
    public static IServiceCollection AddInMemoryTransport(this IServiceCollection services, InMemoryTransport transport)
    {
        services.RemoveAll<IConnectionListenerFactory>();
        services.AddSingleton<IConnectionListenerFactory>(transport);
        return services;
    }
}
