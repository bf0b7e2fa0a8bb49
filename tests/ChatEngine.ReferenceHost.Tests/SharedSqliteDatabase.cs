namespace ChatEngine.ReferenceHost.Tests;

/// <summary>
/// A SQLite database in a folder of its own, for hosts (or the host's own process) that open it in
/// turn, as an operator's restarts and commands do; the folder goes when the test ends.
/// </summary>
public sealed class SharedSqliteDatabase : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chatengine-shared-").FullName;

    /// <summary>The connection string, as <c>ConnectionStrings:Chat</c> takes it.</summary>
    public string ConnectionString => $"Data Source={Path.Combine(_folder, "chat.db")}";

    /// <summary>A path for another file the test keeps beside the database.</summary>
    public string PathOf(string fileName) => Path.Combine(_folder, fileName);

    public void Dispose()
    {
        // Pooled connections keep the file open; it could not be deleted under them.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
