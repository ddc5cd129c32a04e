using System.Net;

using KestrelOneShot.Configuration;
using KestrelOneShot.Output;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Tls;

/// <summary>
/// The endpoints' TLS, from the options, made once at start: the certificate (generated or read),
/// the client CA, the generated certificate written out if asked, and the start line naming it.
/// </summary>
internal sealed class TlsEndpointSetup(IOptions<OneShotOptions> options, TimeProvider time, ILogger<TlsEndpointSetup> logger)
{
    private readonly Lazy<TlsOptions> _options = new(() => Create(options.Value, time, logger));

    /// <exception cref="TlsSetupException">An input cannot be used.</exception>
    public TlsOptions Options => _options.Value;

    /// <summary>The certificate the endpoints serve, once made; null when they speak no TLS or it could not be made.</summary>
    public ServerCertificate? Certificate => _options.IsValueCreated ? _options.Value.Certificate : null;

    private static TlsOptions Create(OneShotOptions settings, TimeProvider time, ILogger logger)
    {
        var certificate = settings is { TlsCertificate: { } certificatePath, TlsKey: { } keyPath }
            ? ServerCertificate.Load(certificatePath, keyPath)
            : ServerCertificate.Generate(IPAddress.TryParse(settings.Address, out var literal) ? literal : null, time);
        if (settings.TlsCertificateOut is { } output)
        {
            try
            {
                certificate.WritePem(output);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new TlsSetupException(TlsInput.CertificateOut, output, IOFailure.Reason(ex));
            }
        }

        TlsLog.Certificate(logger, certificate.Subject, certificate.Sha256, certificate.Generated ? "generated" : "from " + settings.TlsCertificate, certificate.NotAfter);
        var now = time.GetUtcNow();
        if (now < certificate.Certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter)
        {
            TlsLog.CertificateNotValidNow(logger, certificate.Certificate.NotBefore.ToUniversalTime(), certificate.NotAfter);
        }

        return new TlsOptions(certificate)
        {
            ClientCertificateAuthorities = settings.TlsClientCa is { } ca ? ClientCertificateAuthorities.Load(ca) : null,
            // An HTTP endpoint offers what it speaks; a raw one negotiates nothing unless told.
            ApplicationProtocols = settings.Alpn ?? (settings.Http ? ["h2", "http/1.1"] : null),
            HandshakeTimeout = settings.ReadTimeout > TimeSpan.Zero ? settings.ReadTimeout : Timeout.InfiniteTimeSpan,
        };
    }
}
