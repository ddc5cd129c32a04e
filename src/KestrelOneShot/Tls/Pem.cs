using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KestrelOneShot.Tls;

/// <summary>Reads PEM files step by step, so each failure says which file and what is wrong with it.</summary>
internal static class Pem
{
    private const string RsaAlgorithm = "1.2.840.113549.1.1.1";
    private const string EcAlgorithm = "1.2.840.10045.2.1";

    private static readonly string[] KeyLabels = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"];

    /// <summary>Every certificate in the file, in order; at least one.</summary>
    public static X509Certificate2Collection ReadCertificates(TlsInput input, string path)
    {
        var text = Read(input, path);
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(text);
        }
        catch (CryptographicException)
        {
            throw new TlsSetupException(input, path, "the file holds a CERTIFICATE block that is not a certificate");
        }

        return certificates.Count > 0 ? certificates : throw new TlsSetupException(input, path, "the file holds no PEM certificate");
    }

    /// <summary>The certificate with the private key from <paramref name="keyPath"/>.</summary>
    public static X509Certificate2 WithPrivateKey(X509Certificate2 certificate, string keyPath)
    {
        var text = Read(TlsInput.Key, keyPath);
        if (!HasKeyBlock(text, out var encrypted))
        {
            throw new TlsSetupException(TlsInput.Key, keyPath, encrypted ? "the private key is encrypted; give it unencrypted" : "the file holds no PEM private key");
        }

        AsymmetricAlgorithm key = certificate.GetKeyAlgorithm() switch
        {
            RsaAlgorithm => RSA.Create(),
            EcAlgorithm => ECDsa.Create(),
            var other => throw new TlsSetupException(TlsInput.Certificate, keyPath, $"the certificate's key algorithm ({other}) is neither RSA nor ECDSA"),
        };
        try
        {
            key.ImportFromPem(text);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new TlsSetupException(TlsInput.Key, keyPath, "the private key is not of the certificate's algorithm, or cannot be read");
        }

        try
        {
            return key is RSA rsa ? certificate.CopyWithPrivateKey(rsa) : certificate.CopyWithPrivateKey((ECDsa)key);
        }
        catch (ArgumentException)
        {
            // CopyWithPrivateKey's own check that the key is the certificate's.
            throw new TlsSetupException(TlsInput.Key, keyPath, "the private key does not match the certificate");
        }
    }

    private static bool HasKeyBlock(string text, out bool encrypted)
    {
        encrypted = false;
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label].ToString();
            if (KeyLabels.Contains(label))
            {
                return true;
            }

            encrypted |= label == "ENCRYPTED PRIVATE KEY";
            rest = rest[fields.Location.End..];
        }

        return false;
    }

    private static string Read(TlsInput input, string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TlsSetupException(input, path, ex switch
            {
                FileNotFoundException or DirectoryNotFoundException => "no such file",
                UnauthorizedAccessException => "permission denied",
                _ => "cannot be read",
            });
        }
    }
}
