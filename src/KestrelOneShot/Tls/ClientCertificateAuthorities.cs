using System.Security.Cryptography.X509Certificates;

using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Tls;

/// <summary>The CA a client certificate must chain to (<c>--tls-client-ca</c>), and the check itself.</summary>
internal static class ClientCertificateAuthorities
{
    /// <exception cref="TlsSetupException">The file cannot be read or holds no PEM certificate.</exception>
    public static X509Certificate2Collection Load(string path) => Pem.ReadCertificates(TlsInput.ClientCa, path);

    /// <summary>
    /// True when <paramref name="certificate"/> chains to one of <paramref name="authorities"/> (and
    /// only those: the system's roots do not count); otherwise one warning names it and says why.
    /// </summary>
    internal static bool Accept(X509Certificate2 certificate, X509Certificate2Collection authorities, ILogger logger)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain.Build(certificate))
        {
            return true;
        }

        var reasons = chain.ChainStatus.Select(status => status.Status.ToString()).Distinct();
        TlsLog.ClientCertificateRejected(logger, certificate.Subject, string.Join(", ", reasons));
        return false;
    }
}
