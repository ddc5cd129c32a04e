namespace KestrelOneShot.Tls;

/// <summary>Which of the TLS inputs a problem is with.</summary>
internal enum TlsInput
{
    Certificate,
    Key,
    ClientCa,
    CertificateOut,
}

/// <summary>A TLS input that cannot be used: the file, and what is wrong with it, in one line.</summary>
internal sealed class TlsSetupException(TlsInput input, string path, string reason) : Exception(reason)
{
    public TlsInput Input { get; } = input;

    public string Path { get; } = path;

    public string Reason { get; } = reason;
}
