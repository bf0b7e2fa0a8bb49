namespace ReferenceHost.Accounts;

/// <summary>The password of an account command: from an environment variable, or typed twice without echo.</summary>
internal static class TerminalPassword
{
    /// <summary>The password, or null (with the reason written) when there is none to be had.</summary>
    public static string? Read(string variable)
    {
        var password = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrEmpty(password))
        {
            return password;
        }

        if (Console.IsInputRedirected)
        {
            Console.Error.WriteLine($"Set {variable}, or run in a terminal to type the password.");
            return null;
        }

        password = ReadHidden("Password: ");
        if (password != ReadHidden("Password (again): "))
        {
            Console.Error.WriteLine("The passwords differ.");
            return null;
        }

        return password;
    }

    private static string ReadHidden(string prompt)
    {
        Console.Write(prompt);
        var password = new System.Text.StringBuilder();
        while (Console.ReadKey(intercept: true) is var key && key.Key != ConsoleKey.Enter)
        {
            if (key.Key == ConsoleKey.Backspace && password.Length > 0)
            {
                password.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }

        Console.WriteLine();
        return password.ToString();
    }
}
