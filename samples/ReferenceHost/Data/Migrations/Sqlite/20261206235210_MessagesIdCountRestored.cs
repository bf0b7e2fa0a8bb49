using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReferenceHost.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class MessagesIdCountRestored : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The messages' AUTOINCREMENT count as it was before the previous migration copied the table.
            migrationBuilder.Sql("""
                UPDATE "sqlite_sequence" SET "seq" = MAX("seq", (SELECT "seq" FROM "ef_keep_ChatEngineMessages_seq"))
                WHERE "name" = 'ChatEngineMessages' AND EXISTS (SELECT 1 FROM "ef_keep_ChatEngineMessages_seq");
                """);
            migrationBuilder.Sql("""
                INSERT INTO "sqlite_sequence" ("name", "seq")
                SELECT 'ChatEngineMessages', "seq" FROM "ef_keep_ChatEngineMessages_seq"
                WHERE NOT EXISTS (SELECT 1 FROM "sqlite_sequence" WHERE "name" = 'ChatEngineMessages');
                """);
            migrationBuilder.Sql("""DROP TABLE "ef_keep_ChatEngineMessages_seq";""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Nothing to undo: the count stays as it is.
        }
    }
}
