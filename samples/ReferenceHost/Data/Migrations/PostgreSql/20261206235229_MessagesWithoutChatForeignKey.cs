using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReferenceHost.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class MessagesWithoutChatForeignKey : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
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
