namespace KestrelOneShot.Tests;

/// <summary>The repository the tests were built from, for files they check (README, samples).</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "KestrelOneShot.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no KestrelOneShot.sln above {AppContext.BaseDirectory}");
    }
}
