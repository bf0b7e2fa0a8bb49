using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatEngine.EntityFrameworkCore.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class MessagesWithoutChatForeignKey : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // SQLite drops a foreign key by copying the table into a new one, whose AUTOINCREMENT counts
            // on from the highest id left: the ids of messages deleted with their chat would be given
            // again. The old table's count is kept aside, and restored by the next migration: EF Core
            // copies the table last of all this migration's steps.
            migrationBuilder.Sql("""CREATE TABLE IF NOT EXISTS "ef_keep_ChatEngineMessages_seq" AS SELECT "seq" FROM "sqlite_sequence" WHERE "name" = 'ChatEngineMessages';""");
            migrationBuilder.DropForeignKey(
                name: "FK_ChatEngineMessages_ChatEngineChats_ChatId",
                table: "ChatEngineMessages");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddForeignKey(
                name: "FK_ChatEngineMessages_ChatEngineChats_ChatId",
                table: "ChatEngineMessages",
                column: "ChatId",
                principalTable: "ChatEngineChats",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);
        }
    }
}
