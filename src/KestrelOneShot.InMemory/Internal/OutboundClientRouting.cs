using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;

namespace KestrelOneShot.InMemory.Internal;

/// <summary>
/// Every <see cref="HttpClient"/> the app makes through <c>IHttpClientFactory</c> (named, typed, and
/// the gRPC client factory's, which builds on it) connects through the in-memory network: its primary
/// handler keeps the settings the app gave it and gains the network's connect callback.
/// </summary>
internal static class OutboundClientRouting
{
    /// <remarks>
    /// A post-configuration, so it runs after every client's own configuration, on the primary handler
    /// the app finally chose. A handler of another kind (a test's stub), or a SocketsHttpHandler that
    /// already connects its own way, is left as it is.
    /// </remarks>
    public static void Add(IServiceCollection services, Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> connect) =>
        services.PostConfigureAll<HttpClientFactoryOptions>(options =>
            options.HttpMessageHandlerBuilderActions.Add(builder => builder.PrimaryHandler = Through(builder.PrimaryHandler, connect, builder.Name)));

    private static HttpMessageHandler Through(HttpMessageHandler primary, Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> connect, string? client)
    {
        switch (primary)
        {
            case SocketsHttpHandler { ConnectCallback: null } sockets:
                sockets.ConnectCallback = connect;
                sockets.UseProxy = false;
                return sockets;
            case HttpClientHandler plain when plain.GetType() == typeof(HttpClientHandler):
                // HttpClientHandler (the factory's default) runs a SocketsHttpHandler it does not expose:
                // the same settings on one that connects here.
                if (plain.ServerCertificateCustomValidationCallback is not null)
                {
                    throw new InvalidOperationException(
                        $"The HttpClient '{client}' validates certificates with HttpClientHandler.ServerCertificateCustomValidationCallback, which cannot be carried to an in-memory connection: " +
                        "configure its primary handler as a SocketsHttpHandler (SslOptions.RemoteCertificateValidationCallback) instead.");
                }

                var routed = new SocketsHttpHandler
                {
                    ConnectCallback = connect,
                    UseProxy = false,
                    AllowAutoRedirect = plain.AllowAutoRedirect,
                    MaxAutomaticRedirections = plain.MaxAutomaticRedirections,
                    AutomaticDecompression = plain.AutomaticDecompression,
                    UseCookies = plain.UseCookies,
                    CookieContainer = plain.CookieContainer,
                    Credentials = plain.Credentials,
                    PreAuthenticate = plain.PreAuthenticate,
                    MaxConnectionsPerServer = plain.MaxConnectionsPerServer,
                    MaxResponseHeadersLength = plain.MaxResponseHeadersLength,
                };
                if (plain.ClientCertificateOptions == ClientCertificateOption.Manual && plain.ClientCertificates.Count > 0)
                {
                    routed.SslOptions.ClientCertificates = plain.ClientCertificates;
                }

                plain.Dispose();
                return routed;
            default:
                return primary;
        }
    }
}
