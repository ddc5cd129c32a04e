using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KestrelOneShot.Tls;

/// <summary>The certificate an endpoint serves, and what the start line and the report say of it.</summary>
internal sealed class ServerCertificate
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    private ServerCertificate(X509Certificate2 certificate, X509Certificate2Collection chain, bool generated)
    {
        Certificate = certificate;
        Chain = chain;
        Generated = generated;
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>The intermediate certificates sent after the leaf.</summary>
    public X509Certificate2Collection Chain { get; }

    /// <summary>True when made at start (<c>--tls</c>), false when read from files.</summary>
    public bool Generated { get; }

    /// <summary>The SHA-256 fingerprint of the certificate's DER bytes: 64 lowercase hex digits.</summary>
    public string Sha256 { get; }

    public string Subject => Certificate.Subject;

    public DateTimeOffset NotAfter => new(Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);

    /// <summary>
    /// A throw-away self-signed certificate: ECDSA P-256, <c>CN=localhost</c>, names for localhost,
    /// 127.0.0.1, ::1 and <paramref name="address"/>, for server authentication, valid from a few
    /// minutes ago (clocks differ) for one day, kept in memory.
    /// </summary>
    public static ServerCertificate Generate(IPAddress? address, TimeProvider time)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        foreach (var ip in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback, address }.OfType<IPAddress>().Distinct())
        {
            names.AddIpAddress(ip);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthentication)], false));
        var now = time.GetUtcNow();
        return new ServerCertificate(request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1)), [], generated: true);
    }

    /// <summary>
    /// The PEM certificate (the leaf first, then any chain) and its unencrypted PEM private key
    /// (PKCS#8, PKCS#1 RSA or SEC1 EC).
    /// </summary>
    /// <exception cref="TlsSetupException">A file cannot be read, is not PEM, or the key does not fit.</exception>
    public static ServerCertificate Load(string certificatePath, string keyPath)
    {
        var chain = Pem.ReadCertificates(TlsInput.Certificate, certificatePath);
        var leaf = chain[0];
        chain.RemoveAt(0);
        if (!AllowsServerAuthentication(leaf))
        {
            throw new TlsSetupException(TlsInput.Certificate, certificatePath, "the certificate is not for server authentication (its extended key usage lacks serverAuth)");
        }

        return new ServerCertificate(Pem.WithPrivateKey(leaf, keyPath), chain, generated: false);
    }

    /// <summary>Writes the certificate as PEM, for clients to trust (<c>curl --cacert</c>, <c>openssl s_client -CAfile</c>).</summary>
    public void WritePem(string path) => File.WriteAllText(path, Certificate.ExportCertificatePem() + "\n");

    // No extended key usage at all means any use, as TLS libraries read it.
    private static bool AllowsServerAuthentication(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is not { } usage
        || usage.EnhancedKeyUsages.Cast<Oid>().Any(oid => oid.Value == ServerAuthentication);
}
