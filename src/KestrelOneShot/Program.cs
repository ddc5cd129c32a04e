using KestrelOneShot.Hosting;

namespace KestrelOneShot;

/// <summary>
/// The command. Not top-level statements: ASP.NET Core makes their generated <c>Program</c> class
/// public, and this assembly ships inside the test kit's package, where a public <c>Program</c>
/// would collide with every user's own (<c>WebApplicationFactory&lt;Program&gt;</c>, CS0433).
/// </summary>
internal static class Program
{
    private static Task<int> Main(string[] args) => OneShotHost.RunAsync(args);
}
