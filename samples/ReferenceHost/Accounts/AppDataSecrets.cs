namespace ReferenceHost.Accounts;

/// <summary>Secrets the host makes at first start and keeps in a file only its user can read (the JWT signing key, the VAPID keys).</summary>
internal static class AppDataSecrets
{
    /// <summary>The file's text, made with <paramref name="create"/> and written first if there is no file yet.</summary>
    public static string ReadOrCreate(string path, Func<string> create)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            try
            {
                using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                using var writer = new StreamWriter(file);
                writer.Write(create());
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process of this host wrote it first: use theirs.
            }
        }

        return File.ReadAllText(path);
    }
}
