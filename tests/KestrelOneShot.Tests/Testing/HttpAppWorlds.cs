using System.Security.Cryptography.X509Certificates;

using KestrelOneShot.InMemory;

using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace KestrelOneShot.Tests.Testing;

/// <summary>
/// Where samples/HttpApp's real Kestrel runs for an HTTP scenario: on loopback sockets, or in
/// memory. <see cref="HttpAppScenarios"/> are written once against this, so the in-memory transport
/// is held to what the same client does against the same app on sockets.
/// </summary>
public interface IHttpAppWorld
{
    IHttpAppUnderTest Start(Action<IWebHostBuilder>? configure = null);
}

public interface IHttpAppUnderTest : IAsyncDisposable
{
    /// <summary>The HTTP/1.1 endpoint (HTTP/2 there only through TLS with ALPN).</summary>
    Uri Http { get; }

    /// <summary>The Http2-only endpoint (prior knowledge).</summary>
    Uri Http2 { get; }

    /// <summary>The HTTPS endpoint, when the app was given a certificate.</summary>
    Uri Https { get; }

    IServiceProvider Services { get; }

    /// <summary>A handler for clients that take one (gRPC, WebSockets).</summary>
    HttpMessageHandler CreateHandler(X509Certificate2? trustedRoot = null);

    /// <summary>A client as a test author makes one in this world; with no base address, <see cref="Http"/>.</summary>
    HttpClient CreateClient(Uri? baseAddress = null, X509Certificate2? trustedRoot = null);
}

public sealed class InMemoryHttpAppWorld : IHttpAppWorld
{
    public IHttpAppUnderTest Start(Action<IWebHostBuilder>? configure = null) => new InMemoryHttpApp(configure);
}

/// <summary>samples/HttpApp started through the factory extensions, as the package's README shows.</summary>
public sealed class InMemoryHttpApp : IHttpAppUnderTest
{
    public InMemoryHttpApp(Action<IWebHostBuilder>? configure = null)
    {
        Factory = new WebApplicationFactory<HttpApp.Program>()
            .WithWebHostBuilder(web => configure?.Invoke(web))
            .WithInMemoryKestrel(Transport);
        Factory.StartServer();
    }

    public InMemoryTransport Transport { get; } = new();

    public WebApplicationFactory<HttpApp.Program> Factory { get; }

    public Uri Http { get; } = new($"http://localhost:{HttpApp.Program.HttpPort}/");

    public Uri Http2 { get; } = new($"http://localhost:{HttpApp.Program.Http2Port}/");

    public Uri Https { get; } = new($"https://localhost:{HttpApp.Program.HttpsPort}/");

    public IServiceProvider Services => Factory.Services;

    public HttpMessageHandler CreateHandler(X509Certificate2? trustedRoot = null) => Transport.CreateHandler(trustedRoot);

    // The one-call client, finding the endpoint Kestrel reports first.
    public HttpClient CreateClient(Uri? baseAddress = null, X509Certificate2? trustedRoot = null) =>
        Factory.CreateInMemoryKestrelClient(baseAddress, trustedRoot);

    public ValueTask DisposeAsync() => Factory.DisposeAsync();
}

public sealed class SocketHttpAppWorld : IHttpAppWorld
{
    public IHttpAppUnderTest Start(Action<IWebHostBuilder>? configure = null) => new App(configure);

    private sealed class App : IHttpAppUnderTest
    {
        private readonly WebApplicationFactory<HttpApp.Program> _factory;

        public App(Action<IWebHostBuilder>? configure)
        {
            int http = FreePort.Find(), http2 = FreePort.Find(), https = FreePort.Find();
            Http = new Uri($"http://localhost:{http}/");
            Http2 = new Uri($"http://localhost:{http2}/");
            Https = new Uri($"https://localhost:{https}/");
            _factory = new WebApplicationFactory<HttpApp.Program>().WithWebHostBuilder(web =>
            {
                web.UseSetting("Ports:Http", $"{http}").UseSetting("Ports:Http2", $"{http2}").UseSetting("Ports:Https", $"{https}");
                configure?.Invoke(web);
            });
            _factory.UseKestrel();
            _factory.StartServer();
        }

        public Uri Http { get; }

        public Uri Http2 { get; }

        public Uri Https { get; }

        public IServiceProvider Services => _factory.Services;

        public HttpMessageHandler CreateHandler(X509Certificate2? trustedRoot = null)
        {
            var handler = new SocketsHttpHandler();
            if (trustedRoot is not null)
            {
                handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate is X509Certificate2 server && TlsClientHandshake.ChainsTo(server, trustedRoot);
            }

            return handler;
        }

        public HttpClient CreateClient(Uri? baseAddress = null, X509Certificate2? trustedRoot = null) =>
            new(CreateHandler(trustedRoot)) { BaseAddress = baseAddress ?? Http };

        public ValueTask DisposeAsync() => _factory.DisposeAsync();
    }
}
