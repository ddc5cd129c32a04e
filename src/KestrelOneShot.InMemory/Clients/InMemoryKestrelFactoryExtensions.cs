using System.Security.Cryptography.X509Certificates;

using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace KestrelOneShot.InMemory;

/// <summary>An app's real Kestrel in memory through <see cref="WebApplicationFactory{TEntryPoint}"/>, and a real <see cref="HttpClient"/> to it.</summary>
public static class InMemoryKestrelFactoryExtensions
{
    /// <summary>
    /// A factory that keeps Kestrel (<see cref="WebApplicationFactory{TEntryPoint}.UseKestrel()"/>) and
    /// binds its endpoints in <paramref name="transport"/> instead of on sockets.
    /// </summary>
    public static WebApplicationFactory<TEntryPoint> WithInMemoryKestrel<TEntryPoint>(this WebApplicationFactory<TEntryPoint> factory, InMemoryTransport transport)
        where TEntryPoint : class
    {
        ArgumentNullException.ThrowIfNull(transport);
        return WithKestrelOn(factory, services => services.AddInMemoryTransport(transport));
    }

    /// <summary>
    /// A factory that keeps Kestrel and puts the app on <paramref name="host"/>'s network under its
    /// names: its endpoints bound at the host's address, its <c>IHttpClientFactory</c> clients
    /// connecting through the network (<see cref="InMemoryTransportServiceCollectionExtensions.AddInMemoryTransport(IServiceCollection, InMemoryHost)"/>).
    /// Several factories share one network, each under its own host.
    /// </summary>
    public static WebApplicationFactory<TEntryPoint> WithInMemoryKestrel<TEntryPoint>(this WebApplicationFactory<TEntryPoint> factory, InMemoryHost host)
        where TEntryPoint : class
    {
        ArgumentNullException.ThrowIfNull(host);
        return WithKestrelOn(factory, services => services.AddInMemoryTransport(host));
    }

    /// <summary>
    /// Starts the app if it is not running and gives an <see cref="HttpClient"/> over its in-memory
    /// transport. With no base address, the first address Kestrel reports it bound
    /// (<see cref="IServerAddressesFeature"/>), so the app's own configuration (<c>urls</c>,
    /// <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>) decides where the client goes.
    /// </summary>
    public static HttpClient CreateInMemoryKestrelClient<TEntryPoint>(this WebApplicationFactory<TEntryPoint> factory, Uri? baseAddress = null, X509Certificate2? trustedRoot = null)
        where TEntryPoint : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        factory.StartServer();
        var transport = factory.Services.GetService<InMemoryTransport>()
            ?? throw new InvalidOperationException("The app has no in-memory transport: make the factory with WithInMemoryKestrel(transport), or call services.AddInMemoryTransport(transport) in ConfigureTestServices.");
        return transport.CreateClient(baseAddress ?? FirstAddress(factory.Services), trustedRoot);
    }

    /// <summary>Kestrel itself (not TestServer), its transport replaced by <paramref name="addTransport"/>.</summary>
    private static WebApplicationFactory<TEntryPoint> WithKestrelOn<TEntryPoint>(WebApplicationFactory<TEntryPoint> factory, Action<IServiceCollection> addTransport)
        where TEntryPoint : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        var inMemory = factory.WithWebHostBuilder(web => web.ConfigureTestServices(addTransport));
        inMemory.UseKestrel();
        return inMemory;
    }

    private static Uri FirstAddress(IServiceProvider services)
    {
        var address = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reports no bound address.");
        var uri = new UriBuilder(address.Replace("://*:", "://localhost:", StringComparison.Ordinal).Replace("://+:", "://localhost:", StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]")
        {
            uri.Host = "localhost";
        }

        return uri.Uri;
    }
}
