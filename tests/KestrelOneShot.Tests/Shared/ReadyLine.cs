using System.Net;

namespace KestrelOneShot.Tests;

/// <summary>The line the server logs once it listens: <c>info: Listening on 127.0.0.1:9999, [::1]:9999</c>.</summary>
internal static class ReadyLine
{
    public const string Prefix = "info: Listening on ";

    /// <summary>The endpoints the line names; null when it is not the ready line.</summary>
    public static IReadOnlyList<IPEndPoint>? Endpoints(string line) =>
        line.StartsWith(Prefix, StringComparison.Ordinal) ? [.. line[Prefix.Length..].Split(", ").Select(IPEndPoint.Parse)] : null;
}
