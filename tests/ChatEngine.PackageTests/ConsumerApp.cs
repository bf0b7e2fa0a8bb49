using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ChatEngine.PackageTests;

/// <summary>The README's "Add chat to your app" example, built as its own app against the packed packages.</summary>
public sealed partial class ConsumerApp : PackagedApp
{
    protected override async Task CreateAsync(string version)
    {
        await File.WriteAllTextAsync(Path.Combine(Folder, "Program.cs"), ReadmeProgram());
        await File.WriteAllTextAsync(Path.Combine(Folder, "ConsumerApp.csproj"), Project(version, TemplatePinnedVersion));
    }

    /// <summary>Registers an account through the app's own Identity endpoints and returns its bearer token.</summary>
    public async Task<string> RegisterAsync(string email)
    {
        using var client = CreateClient();
        var credentials = new { email, password = "Passw0rd!" };
        (await client.PostAsJsonAsync("/account/register", credentials)).EnsureSuccessStatusCode();
        var login = await client.PostAsJsonAsync("/account/login", credentials);
        login.EnsureSuccessStatusCode();
        return (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    private static string ReadmeProgram()
    {
        var readme = File.ReadAllText(Path.Combine(ChatEnginePackages.RepositoryRoot, "README.md"));
        var match = ReadmeProgramBlock().Match(readme);
        return match.Success
            ? match.Groups["code"].Value
            : throw new InvalidOperationException("README.md has no ```csharp block after <!-- package-consumer: Program.cs -->.");
    }

    /// <summary>
    /// What today's SDK templates (<c>dotnet new webapp --auth Individual</c>) pin for Identity and EF
    /// Core, older than the newest patch: the packages must restore beside it without a downgrade
    /// (NU1605, an error by default).
    /// </summary>
    private const string TemplatePinnedVersion = "10.0.12";

    private static string Project(string chatEngineVersion, string templateVersion) => $"""
        <Project Sdk="Microsoft.NET.Sdk.Web">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
            <WarningsNotAsErrors>NU1603</WarningsNotAsErrors>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="ChatEngine.AspNetCore" Version="{chatEngineVersion}" />
            <PackageReference Include="ChatEngine.EFCore" Version="{chatEngineVersion}" />
            <PackageReference Include="Microsoft.AspNetCore.Identity.EntityFrameworkCore" Version="{templateVersion}" />
            <PackageReference Include="Microsoft.EntityFrameworkCore.Sqlite" Version="{templateVersion}" />
          </ItemGroup>
        </Project>
        """;

    [GeneratedRegex(@"<!-- package-consumer: Program.cs -->\s*```csharp\n(?<code>.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex ReadmeProgramBlock();
}
