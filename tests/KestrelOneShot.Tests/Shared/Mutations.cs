namespace KestrelOneShot.Tests;

/// <summary>The floods' mutations of a true first packet or request, from a seeded <see cref="Random"/>.</summary>
internal static class Mutations
{
    /// <summary>One of: a few bytes flipped, cut short, a run of bytes repeated, or random bytes after a true start.</summary>
    public static byte[] Mutate(byte[] shape, Random random)
    {
        var bytes = (byte[])shape.Clone();
        switch (random.Next(4))
        {
            case 0:
                for (var flips = random.Next(1, 4); flips > 0; flips--)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }

                return bytes;
            case 1:
                return bytes[..random.Next(1, bytes.Length)];
            case 2:
                var at = random.Next(bytes.Length);
                return [.. bytes[..at], .. Enumerable.Repeat(bytes[at], random.Next(1, 64)), .. bytes[at..]];
            default:
                var keep = random.Next(1, Math.Min(bytes.Length, 24));
                var tail = new byte[random.Next(0, 64)];
                random.NextBytes(tail);
                return [.. bytes[..keep], .. tail];
        }
    }
}
